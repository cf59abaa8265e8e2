import { describe, expect, it } from 'vitest'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { buildPod } from '../../hooks/workflow/pods.ts'
import { WorkflowSpec } from '../../hooks/workflow/schema.ts'
import workflow from '../../hooks/workflow/index.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { START, container, nodes, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: Pod nodes', () => {
  it('a Pod that vanishes while running is an Error, not a success', async () => {
    const sim = simulate({ entrypoint: 'x', templates: [container('x')] })
    await sim.step()
    await sim.step()
    await sim.step()
    expect(phases(sim).wf).toBe('Running')
    sim.cluster.remove(pods(sim)[0]!)
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Error' })
    expect(nodes(sim).wf!.message).toBe('the Pod was deleted')
  })

  it('a Pod that fails without a container exit code (evicted) is an Error', async () => {
    const sim = simulate({ entrypoint: 'x', templates: [container('x')] })
    await sim.step()
    const pod = pods(sim)[0]!
    sim.cluster.update({
      ...pod,
      status: {
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
      },
    } as never)
    await sim.run()
    expect(sim.status!.phase).toBe('Error')
    expect(nodes(sim).wf!.message).toMatch(/low on resource/)
  })
  it('a container output parameter with nowhere to come from is a 422 (Argo asks for valueFrom.path too)', async () => {
    const out = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: wf({
          entrypoint: 'gen',
          templates: [
            {
              name: 'gen',
              outputs: { parameters: [{ name: 'version' }] },
              container: { image: 'alpine:3' },
            },
          ],
        }),
      }),
      { now: new Date(START) },
    )
    expect(!out.ok && out.status).toBe(422)
    expect(!out.ok && out.message).toMatch(
      /spec\.templates\[0\]\.outputs\.parameters\[0\]: a container template's output needs valueFrom\.path \(or a value\)/,
    )
  })
  it.each([
    { strategy: 'OnPodCompletion', left: 0 },
    { strategy: 'OnPodSuccess', left: 1 },
    { strategy: 'OnWorkflowCompletion', left: 0 },
    { strategy: undefined, left: 2 },
  ])(
    'podGC $strategy leaves $left Pod(s), and never drops one before its result is recorded',
    async ({ strategy, left }) => {
      const sim = simulate(
        {
          entrypoint: 'm',
          ...(strategy && { podGC: { strategy } }),
          templates: [
            {
              name: 'm',
              steps: [
                [
                  { name: 'ok', template: 'job' },
                  { name: 'bad', template: 'job', continueOn: { failed: true } },
                ],
              ],
            },
            container('job'),
          ],
        },
        { bad: { exitCode: 1 } },
      )
      const result = await sim.run()
      expect(sim.status!.phase).toBe('Succeeded')
      expect(pods(sim)).toHaveLength(left)
      // Every deletion happens in a round after the one whose status recorded the Pod's end.
      for (const [i, round] of result.rounds.entries()) {
        for (const d of round.actions.filter((a) => a.type === 'deleted')) {
          const recordedBefore = result.rounds
            .slice(0, i)
            .some((r) =>
              r.actions.some(
                (a) =>
                  a.type === 'status' &&
                  /phase: "(Running|Pending)" → "(Succeeded|Failed)"/.test(a.detail ?? ''),
              ),
            )
          expect(recordedBefore, d.object).toBe(true)
        }
      }
    },
  )

  it('volumeClaimTemplates: one claim per workflow, mounted by every Pod', async () => {
    const sim = simulate({
      entrypoint: 'm',
      volumeClaimTemplates: [
        {
          metadata: { name: 'work' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      templates: [
        {
          name: 'm',
          container: { image: 'alpine:3', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        },
      ],
    })
    await sim.run()
    expect(
      sim
        .objects()
        .filter((o) => o.kind === 'PersistentVolumeClaim')
        .map((o) => o.metadata.name),
    ).toEqual(['wf-work'])
    expect((pods(sim)[0] as unknown as { spec: { volumes: unknown[] } }).spec.volumes).toEqual([
      { name: 'work', persistentVolumeClaim: { claimName: 'wf-work' } },
    ])
  })

  it('a Pod asked for but not yet observed is asked for again, not counted as failed', async () => {
    const parent = {
      ...wf({ entrypoint: 'x', templates: [container('x')] }),
      metadata: { name: 'wf', namespace: 'default', uid: 'u1' },
    }
    const now = new Date(START)
    const first = await runHook(workflow, 'sync', compositeRequest(workflow, { parent }), { now })
    expect(first.ok).toBe(true)
    if (!first.ok) return
    // Metacontroller wrote the status, but its informer has not seen the Pod yet.
    const again = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: { ...parent, status: first.response.status } }),
      { now: new Date(now.getTime() + 2000) },
    )
    expect(again.ok && again.response.children).toEqual(first.response.children)
    expect(again.ok && (again.response.status as { phase: string }).phase).toBe('Pending')
  })
})

describe('workflow: Pod nodes through the executor', () => {
  it('a result larger than a termination message holds is an Error saying so, and nothing downstream runs with a cut value', async () => {
    const sim = simulate(
      {
        entrypoint: 'm',
        templates: [
          {
            name: 'm',
            steps: [
              [{ name: 'big', template: 'print' }],
              [{ name: 'use', template: 'job', when: "'{{steps.big.outputs.result}}' != ''" }],
            ],
          },
          {
            name: 'print',
            container: { image: 'busybox', command: ['sh', '-c', 'yes | head -c 5000'] },
          },
          container('job'),
        ],
      },
      { big: { stdout: 'y\n'.repeat(2500) } },
    )
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Error', message: 'step big error' })
    expect(phases(sim).use).toBeUndefined()
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'big')!.message).toMatch(
      /outputs\.result is 4999 bytes; a termination message holds 4096 .* write large outputs to an artifact/,
    )
  })

  it('a Pod the Kubernetes schema refuses is a node Error naming the field, never asked for', async () => {
    const sim = simulate({
      entrypoint: 'x',
      templates: [
        {
          name: 'x',
          tolerations: [{ key: 'a', operator: 'Sometimes' }],
          container: { image: 'busybox', command: ['true'] },
        },
      ],
    })
    await sim.run()
    expect(sim.status!.phase).toBe('Error')
    expect(nodes(sim).wf!.message).toMatch(
      /the Pod is invalid: .*tolerations\/0\/operator must be equal to one of the allowed values/,
    )
    expect(pods(sim)).toEqual([])
  })

  it.each([
    {
      name: 'a script',
      template: { name: 'x', script: { image: 'example.com/tool:1', source: 'echo hi' } },
    },
    {
      name: 'a container with an output file',
      template: {
        name: 'x',
        container: { image: 'example.com/tool:1', args: ['run'] },
        outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] },
      },
    },
  ])(
    '$name whose image entrypoint is unknown and gives no command is a 422 asking for one',
    async ({ template }) => {
      const outcome = await runHook(
        workflow,
        'sync',
        compositeRequest(workflow, { parent: wf({ entrypoint: 'x', templates: [template] }) }),
        { now: new Date(START) },
      )
      expect(outcome.ok).toBe(false)
      if (outcome.ok) return
      expect(outcome.status).toBe(422)
      expect(outcome.message).toMatch(
        /spec\.templates\[0\] \(x\): .*the image example\.com\/tool:1 runs an entrypoint the executor does not know; give the (script|container) a command/,
      )
    },
  )

  it('a container not read by any expression is not wrapped: its Pod is the plain container', async () => {
    const sim = simulate({
      entrypoint: 'x',
      templates: [{ name: 'x', container: { image: 'busybox', command: ['echo', 'hi'] } }],
    })
    await sim.step()
    const pod = pods(sim)[0] as unknown as {
      spec: { containers: { command: string[] }[]; initContainers?: unknown[] }
    }
    expect(pod.spec.containers[0]!.command).toEqual(['echo', 'hi'])
    expect(pod.spec.initContainers).toBeUndefined()
  })
})

describe('workflow: timeouts and podGC options', () => {
  it('a template timeout fails a Pod that runs past it (Pending time included), wakes the hook at the deadline, and collects the Pod once its end is recorded', async () => {
    const sim = simulate({
      entrypoint: 'x',
      templates: [
        { name: 'x', timeout: '30s', container: { image: 'busybox', command: ['sleep', '600'] } },
      ],
    })
    const first = await sim.step()
    expect(first.resyncAfterSeconds).toBe(30)
    await sim.step()
    sim.cluster.now += 60_000
    await sim.step()
    expect(nodes(sim).wf).toMatchObject({ phase: 'Failed', message: 'timeout 30s exceeded' })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    expect(pods(sim)).toEqual([])
  })

  it('podGC.labelSelector collects only Pods whose labels match; deleteDelayDuration waits after the Pod ends', async () => {
    const spec = (gc: Record<string, unknown>) => ({
      entrypoint: 'm',
      podGC: { strategy: 'OnPodCompletion', ...gc },
      templates: [
        {
          name: 'm',
          steps: [
            [
              { name: 'keep', template: 'kept' },
              { name: 'drop', template: 'dropped' },
            ],
          ],
        },
        { name: 'kept', container: { image: 'busybox', command: ['true'] } },
        {
          name: 'dropped',
          metadata: { labels: { gc: 'yes' } },
          container: { image: 'busybox', command: ['true'] },
        },
      ],
    })
    const selected = simulate(spec({ labelSelector: { matchLabels: { gc: 'yes' } } }))
    await selected.run()
    expect(
      pods(selected).map((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name']),
    ).toEqual(['wf[0].keep'])

    const delayed = simulate(spec({ deleteDelayDuration: '120s' }))
    const result = await delayed.run()
    expect(pods(delayed)).toEqual([])
    const deletedAt = result.rounds.find((r) => r.actions.some((a) => a.type === 'deleted'))!.time
    const finishedAt =
      nodes(delayed)[
        Object.keys(nodes(delayed)).find((id) => nodes(delayed)[id]!.displayName === 'keep')!
      ]!.finishedAt!
    expect(Date.parse(deletedAt) - Date.parse(finishedAt)).toBeGreaterThanOrEqual(120_000)
  })
})

describe("workflow: Pod-level fields a template sets win over the workflow's", () => {
  // Not a simulation: a PriorityClass that does not exist makes the API server refuse the Pod, and
  // every simulated child is checked against the real API server by the cluster tier.
  it.each([
    { name: "the workflow's podPriorityClassName", template: {}, want: 'batch-low' },
    {
      name: "the template's priorityClassName",
      template: { priorityClassName: 'batch-high' },
      want: 'batch-high',
    },
  ])('$name', ({ template, want }) => {
    const spec = WorkflowSpec.parse({
      entrypoint: 'x',
      podPriorityClassName: 'batch-low',
      templates: [{ name: 'x', ...template, container: { image: 'busybox' } }],
    })
    const pod = buildPod({
      workflow: { name: 'wf' },
      nodeName: 'wf',
      template: spec.templates[0]!,
      spec,
      main: { name: 'main', image: 'busybox' },
      claims: [],
    })
    expect(pod.spec!.priorityClassName).toBe(want)
  })
})

describe("workflow: image entrypoints from the namespace's ConfigMap", () => {
  const spec = {
    entrypoint: 'm',
    templates: [
      {
        name: 'm',
        steps: [
          [{ name: 'gen', template: 'tool' }],
          [{ name: 'use', template: 'tool', when: "'{{steps.gen.outputs.result}}' != ''" }],
        ],
      },
      { name: 'tool', container: { image: 'example.com/tool:1.2', args: ['run', '--fast'] } },
    ],
  }
  const images = (data: Record<string, string>) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'metahooks-workflow-images', namespace: 'default' },
      data,
    }) as unknown as KObject

  it('without it, an image whose entrypoint is unknown is a 422 that names both ways out', async () => {
    const out = await runHook(workflow, 'sync', compositeRequest(workflow, { parent: wf(spec) }), {
      now: new Date(START),
    })
    expect(!out.ok && out.message).toMatch(
      /the image example\.com\/tool:1\.2 runs an entrypoint the executor does not know; give the container a command, or add the image to the ConfigMap metahooks-workflow-images/,
    )
  })

  it("with the image in it, the executor wraps the image's entrypoint and the args", async () => {
    const out = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: wf(spec),
        related: [
          images({ 'example.com/tool': '{"entrypoint": ["/usr/bin/tool"], "cmd": ["help"]}' }),
        ],
      }),
      { now: new Date(START) },
    )
    expect(out.ok).toBe(true)
    if (!out.ok) return
    const pod = (out.response.children as KObject[]).find((c) => c.kind === 'Pod') as unknown as {
      spec: { containers: { command: string[] }[] }
    }
    expect(pod.spec.containers[0]!.command.slice(-4)).toEqual([
      '--',
      '/usr/bin/tool',
      'run',
      '--fast',
    ])
  })

  it('a value that is not an entrypoint is a 422 naming the key — for a workflow that needs that image only', async () => {
    const other = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: wf({
          entrypoint: 'j',
          templates: [{ name: 'j', container: { image: 'busybox', command: ['true'] } }],
        }),
        related: [images({ 'example.com/tool': 'tool run' })],
      }),
      { now: new Date(START) },
    )
    expect(other.ok).toBe(true)
    const out = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: wf(spec),
        related: [images({ 'example.com/tool': 'tool run' })],
      }),
      { now: new Date(START) },
    )
    expect(!out.ok && out.status).toBe(422)
    expect(!out.ok && out.message).toMatch(
      /ConfigMap metahooks-workflow-images key example\.com\/tool: must be JSON/,
    )
  })
})

describe('workflow: a Pod that exists is never dropped before its end is recorded', () => {
  const cm = (data?: Record<string, string>) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      ...(data && { data }),
    }) as unknown as KObject
  const spec = {
    entrypoint: 'main',
    arguments: {
      parameters: [{ name: 'msg', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'msg' } } }],
    },
    templates: [
      {
        name: 'main',
        inputs: { parameters: [{ name: 'msg' }] },
        steps: [
          [
            {
              name: 'say',
              template: 'say',
              arguments: { parameters: [{ name: 'm', value: '{{inputs.parameters.msg}}' }] },
            },
          ],
        ],
      },
      {
        name: 'say',
        inputs: { parameters: [{ name: 'm' }] },
        container: {
          image: 'busybox',
          command: ['echo', '{{inputs.parameters.m}} {{workflow.parameters.msg}}'],
        },
      },
    ],
  }

  it('a ConfigMap deleted while a step runs: the running Pod stays and the run goes on with the inputs it started with', async () => {
    const sim = new Simulation(workflow, {
      parent: wf(spec),
      objects: [cm({ msg: 'hello' })],
      startTime: START,
    })
    for (let i = 0; i < 8 && pods(sim).length === 0; i++) await sim.step()
    await sim.step()
    expect(pods(sim)).toHaveLength(1)
    sim.cluster.remove(sim.cluster.list().find((o) => o.kind === 'ConfigMap')!)
    const result = await sim.run()
    expect(result.rounds.flatMap((r) => r.actions).filter((a) => a.type === 'deleted')).toEqual([])
    expect(sim.status!.phase).toBe('Succeeded')
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'say')).toMatchObject({
      phase: 'Succeeded',
      inputs: { parameters: { m: 'hello' } },
    })
  })

  it('a spec edited under a running Pod (its step removed) is a 409 naming the Pod, not an answer without it', async () => {
    const sim = new Simulation(workflow, {
      parent: wf(spec),
      objects: [cm({ msg: 'hello' })],
      startTime: START,
    })
    for (let i = 0; i < 8 && pods(sim).length === 0; i++) await sim.step()
    sim.updateParent((p) => ({
      ...p,
      spec: {
        entrypoint: 'other',
        templates: [{ name: 'other', container: { image: 'busybox', command: ['true'] } }],
      },
    }))
    const round = await sim.step()
    expect(round.error?.status).toBe(409)
    expect(round.error?.message).toMatch(
      /the Pod wf-say-[0-9a-f]{8} \(node wf\[0\]\.say\) has no recorded end but is no longer part of the workflow/,
    )
    expect(pods(sim)).toHaveLength(1)
  })
})
