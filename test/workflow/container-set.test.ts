import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { containerSetParts, inOrder, wrapSiblings } from '../../hooks/workflow/container-set.ts'
import { readTerminationMessage } from '../../hooks/workflow/executor-message.ts'
import { wrap } from '../../hooks/workflow/executor.ts'
import workflow from '../../hooks/workflow/index.ts'
import { Template } from '../../hooks/workflow/schema.ts'
import { nodes, pods, simulate, wf } from './helpers.ts'
import { BUSYBOX, HAVE_BUSYBOX, runContainer, runContainerAsync } from './local-kubelet.ts'

type Pod = { spec: { containers: { name: string; command: string[] }[] } }

/** Argo's containerSet example, shaped like its docs: a and b, then main reading both. */
const set = (
  sh: (name: string) => string,
  deps: Record<string, string[]> = { b: ['a'], main: ['a', 'b'] },
  retryStrategy?: Record<string, unknown>,
) =>
  Template.parse({
    name: 'set',
    volumes: [{ name: 'workspace', emptyDir: {} }],
    containerSet: {
      volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
      ...(retryStrategy && { retryStrategy }),
      containers: ['a', 'b', 'main'].map((name) => ({
        name,
        image: 'alpine:3',
        command: [BUSYBOX, 'sh', '-c', sh(name)],
        ...(deps[name] && { dependencies: deps[name] }),
      })),
    },
    outputs: { parameters: [{ name: 'order', valueFrom: { path: '/workspace/order' } }] },
  })

describe('workflow: containerSet', () => {
  it('one Pod, its containers in the order written, each wrapped to wait for its dependencies; outputs from main', async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'set', template: 'set' }],
            [
              {
                name: 'show',
                template: 'show',
                arguments: {
                  parameters: [{ name: 'o', value: '{{steps.set.outputs.parameters.order}}' }],
                },
              },
            ],
          ],
        },
        set((n) => `echo ${n} >> /workspace/order`),
        {
          name: 'show',
          inputs: { parameters: [{ name: 'o' }] },
          container: { image: 'alpine:3', command: ['echo', '{{inputs.parameters.o}}'] },
        },
      ],
    }
    const sim = simulate(spec, { set: { files: { '/workspace/order': 'a\nb\nmain\n' } } })
    await sim.run()
    expect(sim.status?.phase).toBe('Succeeded')
    const pod = pods(sim).find((p) => p.metadata.name.startsWith('wf-set-')) as unknown as Pod
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['a', 'b', 'main'])
    const options = (c: Pod['spec']['containers'][number]) =>
      c.command.slice(6, c.command.indexOf('--'))
    expect(pod.spec.containers.map(options)).toEqual([
      ['-N', 'a'],
      ['-N', 'b', '-W', 'a'],
      ['-N', 'main', '-W', 'a', '-W', 'b', '-o', 'order', '/workspace/order'],
    ])
    expect(
      Object.values(nodes(sim)).find((n) => n.displayName === 'set')!.outputs?.parameters,
    ).toEqual({ order: 'a\nb\nmain' })
  })

  const invalid: { name: string; containers: Record<string, unknown>[]; error: RegExp }[] = [
    {
      name: 'no main',
      containers: [{ name: 'a', image: 'alpine:3', command: ['true'] }],
      error: /one container must be named main/,
    },
    {
      name: 'a dependency not in the set',
      containers: [{ name: 'main', image: 'alpine:3', command: ['true'], dependencies: ['x'] }],
      error: /container main depends on x, which is not in the set/,
    },
    {
      name: 'a cycle',
      containers: [
        { name: 'main', image: 'alpine:3', command: ['true'], dependencies: ['a'] },
        { name: 'a', image: 'alpine:3', command: ['true'], dependencies: ['main'] },
      ],
      error: /containers wait for each other \(main → a → main\)/,
    },
    {
      name: 'an image the executor cannot wrap',
      containers: [{ name: 'main', image: 'registry.local/tool:1' }],
      error: /container main runs through the executor, and the image registry\.local\/tool:1/,
    },
  ]
  it.each(invalid)('$name is a 422', async (c) => {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: wf({
          entrypoint: 's',
          templates: [{ name: 's', containerSet: { containers: c.containers } }],
        }),
      }),
      { now: new Date('2026-01-01T00:00:00Z') },
    )
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    if (!outcome.ok) expect(outcome.message).toMatch(c.error)
  })
})

describe.skipIf(!HAVE_BUSYBOX)(
  'containerSet: the real wrappers under busybox, all containers started at once',
  () => {
    const root = mkdtempSync(join(tmpdir(), 'metahooks-set-'))
    afterAll(() => rmSync(root, { recursive: true, force: true }))
    let count = 0

    async function runSet(
      sh: (name: string, dir: string) => string,
      deps?: Record<string, string[]>,
      retryStrategy?: Record<string, unknown>,
    ) {
      const dir = join(root, `pod-${++count}`)
      const exec = join(dir, 'exec')
      mkdirSync(exec, { recursive: true })
      const template = set((n) => sh(n, dir), deps, retryStrategy)
      const parts = containerSetParts(
        template,
        { result: false, outputs: [{ name: 'order', path: join(dir, 'order') }] },
        undefined,
      )
      if (typeof parts === 'string') throw new Error(parts)
      const mainPart = parts.find((p) => p.container.name === 'main')!
      const main = wrap(mainPart.container, mainPart.argv, mainPart.plan, undefined, exec)
      const siblings = parts
        .filter((p) => p.container.name !== 'main')
        .map((p) => wrap(p.container, p.argv, p.plan, undefined, exec).main)
      expect(runContainer(main.init, { cwd: dir }).status).toBe(0)
      const containers = inOrder(template, main.main, siblings)
      // Started together, as the kubelet starts a Pod's containers; each log its own termination message.
      const ran = await Promise.all(
        containers.map((c) => runContainerAsync(c, { cwd: dir, log: join(dir, `${c.name}.log`) })),
      )
      const result = readTerminationMessage(readFileSync(join(dir, 'main.log'), 'utf8'))
      return {
        dir,
        codes: Object.fromEntries(containers.map((c, i) => [c.name, ran[i]!.status])),
        result,
      }
    }

    it('b starts after a, main after both, whatever order the kubelet starts them in', async () => {
      const run = await runSet((n, dir) =>
        n === 'a' ? `sleep 0.3; echo a >> ${dir}/order` : `echo ${n} >> ${dir}/order`,
      )
      expect(run.codes).toEqual({ a: 0, b: 0, main: 0 })
      expect(run.result?.parameters).toEqual({ order: 'a\nb\nmain' })
    })

    it('a failed dependency: what waits for it never runs, and main says why', async () => {
      const run = await runSet((n, dir) => (n === 'a' ? 'exit 3' : `echo ${n} >> ${dir}/order`))
      expect(run.codes).toEqual({ a: 3, b: 1, main: 1 })
      expect(run.result?.message).toBe('not run: a exited 3')
      expect(run.result?.missing).toEqual(['order'])
    })

    it("retryStrategy runs a failing container's command again (retries, duration between), and what waits for it starts once it succeeds", async () => {
      // a fails twice, then succeeds: its attempts are counted in a file.
      const flaky = (dir: string) =>
        `n=$(cat ${dir}/tries 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/tries; [ $n -ge 3 ] && echo a >> ${dir}/order`
      const run = await runSet(
        (n, dir) => (n === 'a' ? `${flaky(dir)}` : `echo ${n} >> ${dir}/order`),
        undefined,
        { retries: '2', duration: '0.1s' },
      )
      expect(run.codes).toEqual({ a: 0, b: 0, main: 0 })
      expect(readFileSync(join(run.dir, 'tries'), 'utf8')).toBe('3\n')
      expect(run.result?.parameters).toEqual({ order: 'a\nb\nmain' })
      const exhausted = await runSet(
        (n, dir) => (n === 'a' ? `${flaky(dir)}` : `echo ${n} >> ${dir}/order`),
        undefined,
        { retries: 1, duration: '0s' },
      )
      expect(exhausted.codes).toEqual({ a: 1, b: 1, main: 1 })
      expect(exhausted.result?.message).toBe('not run: a exited 1')
    })

    it("wrapSiblings wraps every container but main (main is wrapped with the Pod's executor)", () => {
      const parts = containerSetParts(
        set(() => 'true'),
        undefined,
        undefined,
      )
      if (typeof parts === 'string') throw new Error(parts)
      expect(wrapSiblings(parts, 'busybox:1').map((c) => c.name)).toEqual(['a', 'b'])
    })
  },
)
