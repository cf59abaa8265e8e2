import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { ROOT, startServerProcess } from './fixtures/server.ts'
import { render } from '../hooks/core/testing/render.ts'
import mypod from '../hooks/mypod/index.ts'
import { loadObjects, loadOne } from '../hooks/core/testing/files.ts'
import { NOTES_POD } from './fixtures/mypod.ts'
import { runInProcess, type CliResult } from './fixtures/cli.ts'
import { runMetahooks } from './fixtures/process.ts'

// The `metahooks` command as a user runs it: its exit code, stdout and stderr (a process where the
// bin, a port or a pipe is part of what is tested).

const scratch = mkdtempSync(join(tmpdir(), 'metahooks-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

const metahooksProcess = (args: string[], env: Record<string, string> = {}, cwd = ROOT) =>
  runMetahooks(args, { env, cwd })

/** Most calls run in this process (test/fixtures/cli.ts); the bin itself is run where it matters. */
const metahooks = runInProcess

const example = join(ROOT, 'examples/mypod-test.yaml')
const runningPod = file(
  'pod.yaml',
  `apiVersion: v1
kind: Pod
metadata: { name: ${NOTES_POD}, namespace: default }
spec:
  containers: [{ name: main, image: nginx, command: [custom, command], env: [{ name: URI, value: any uri }] }]
status:
  phase: Running
  conditions: [{ type: Ready, status: "True", lastTransitionTime: "2026-11-22T10:00:05Z" }]
`,
)

describe('metahooks help', () => {
  it('lists every setting the server reads from its environment', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const sources = [
      join(ROOT, 'hooks/core/node.ts'),
      ...readdirSync(join(ROOT, 'hooks/core/http'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(ROOT, 'hooks/core/http', f)),
    ]
    const read = new Set(
      sources.flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/\bMETAHOOKS_[A-Z_]+/g)].map((m) => m[0]),
      ),
    )
    expect(read.size).toBeGreaterThan(10)
    const { stdout } = await metahooks(['help'])
    expect([...read].filter((name) => !stdout.includes(name))).toEqual([])
  })
})

describe('metahooks as a process', () => {
  it("the bin finds this repository from its working directory and runs its commands, the workflow controller's own included", async () => {
    const { code, stdout, stderr } = await metahooksProcess(['help'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('  metahooks workflow-rbac -f WORKFLOW.yaml')
    const outside = await metahooksProcess(['controllers'], {}, tmpdir())
    expect(outside.code).toBe(2)
    expect(outside.stderr).toMatch(
      /controllers works in a metahooks project: no hooks\/registry\.ts in .* or above \(create one with: metahooks init DIR\)/,
    )
  })

  it.each([
    'render',
    'simulate',
    'manifests',
    'validate',
    'serve',
    'workflow-rbac',
    'init',
    'new',
    'apply',
    'status',
    'doctor',
    'unstick',
    'ui',
  ])("%s --help prints that command's usage and exits 0", async (command) => {
    const { code, stdout, stderr } = await metahooks([command, '--help'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^Usage:\\n  metahooks ${command}`))
  })

  it('a busy port is named with the way to choose another', async () => {
    const { createServer } = await import('node:net')
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as { port: number }).port
    const { code, stderr } = await metahooksProcess(['serve', '--port', String(port)])
    holder.close()
    expect(code).toBe(1)
    expect(stderr).toBe(
      `metahooks: 127.0.0.1:${port} is already in use; choose another port: PORT=9000 npm start, or metahooks serve --port 9000\n`,
    )
  })

  it('stops quietly with status 0 when its reader goes away (| head), instead of an EPIPE stack trace', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/metahooks.js'), 'render', 'mypod', '-f', example],
      { cwd: ROOT },
    )
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += String(d)))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})

describe('metahooks render --parent', () => {
  it("a file of several objects: --parent names the parent (here a decorator's Namespace), the rest are related; without it, a usage error listing them", async () => {
    const propagate = join(ROOT, 'examples/propagate.yaml')
    const { code, stdout, stderr } = await metahooks([
      'render',
      'propagate',
      '-f',
      propagate,
      '--parent',
      'Namespace/kiamol-ch20-propagate',
    ])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const copy = parseAllDocuments(stdout)
      .map((d) => d.toJS())
      .find((o) => o.kind === 'ConfigMap')
    // The source has no namespace in the file: it is in default, as kubectl apply would put it.
    expect(copy).toMatchObject({
      metadata: {
        name: 'shared-config',
        namespace: 'kiamol-ch20-propagate',
        annotations: { 'propagate.metahooks.dev/source': 'default/shared-config' },
      },
      data: { greeting: 'hello from default' },
    })
    const two = file(
      'two.yaml',
      'apiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: {name: a}\n---\napiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: {name: b}\n',
    )
    const ambiguous = await metahooks(['render', 'mypod', '-f', two])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toMatch(
      /two\.yaml holds 2 objects \(MyPod\/a, MyPod\/b\); name the parent with --parent KIND\/NAME/,
    )
    const wrong = await metahooks(['render', 'mypod', '-f', two, '--parent', 'MyPod/c'])
    expect(wrong.stderr).toMatch(
      /--parent MyPod\/c: no such object in .*two\.yaml \(it holds MyPod\/a, MyPod\/b\)/,
    )
  })
})

describe('metahooks workflow-rbac', () => {
  it("prints the Role a workflow's resource templates need, and says why when the file has no workflow", async () => {
    const ok = await metahooks([
      'workflow-rbac',
      '-f',
      join(ROOT, 'examples/workflows/k8s-jobs.yaml'),
      '-n',
      'ci',
    ])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const role = parseAllDocuments(ok.stdout)
      .map((d) => d.toJS())
      .find((o) => o.kind === 'Role')
    expect(role).toMatchObject({
      metadata: { name: 'k8s-jobs', namespace: 'ci' },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] }],
    })
    const none = await metahooks(['workflow-rbac', '-f', example])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(
      /mypod-test\.yaml: no Workflow, WorkflowTemplate or CronWorkflow in it/,
    )
  })
})

describe('metahooks render', () => {
  it('prints the parent with its new status, then the Pod, as YAML', async () => {
    const { code, stdout, stderr } = await metahooks(['render', 'mypod', '-f', example])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const docs = parseAllDocuments(stdout).map((d) => d.toJS())
    expect(docs).toHaveLength(2)
    expect(docs[0]).toMatchObject({
      kind: 'MyPod',
      metadata: { name: 'mypod-test' },
      status: { phase: 'Pending', conditions: [{ reason: 'PodNotCreated' }] },
    })
    expect(docs[1]).toMatchObject({
      kind: 'Pod',
      metadata: { name: NOTES_POD },
      spec: { containers: [{ image: 'nginx', command: ['custom', 'command'] }] },
    })
  })

  it('-o json prints the exact response, with observed objects taken as children', async () => {
    const { code, stdout } = await metahooks([
      'render',
      'mypod',
      '-f',
      example,
      '--observed',
      runningPod,
      '-o',
      'json',
    ])
    expect(code).toBe(0)
    const inProcess = await render(mypod, {
      parent: loadOne(example),
      observed: loadObjects(runningPod),
    })
    expect(stdout.trim()).toBe(inProcess.body)
    expect(JSON.parse(stdout).status.conditions[0]).toMatchObject({
      status: 'True',
      reason: 'PodReady',
    })
  })

  it('--url sends the request to a running server (with its token) and checks the answer', async () => {
    const server = await startServerProcess({ METAHOOKS_AUTH_TOKEN: 'cli-token' })
    try {
      const local = await metahooks([
        'render',
        'mypod',
        '-f',
        example,
        '--observed',
        runningPod,
        '-o',
        'json',
      ])
      const remote = await metahooks(
        [
          'render',
          'mypod',
          '-f',
          example,
          '--observed',
          runningPod,
          '-o',
          'json',
          '--url',
          server.url,
        ],
        { METAHOOKS_AUTH_TOKEN: 'cli-token' },
      )
      expect(remote.code).toBe(0)
      expect(remote.stdout).toBe(local.stdout)
      const refused = await metahooks(['render', 'mypod', '-f', example, '--url', server.url], {
        METAHOOKS_AUTH_TOKEN: 'wrong',
      })
      expect(refused.code).toBe(1)
      expect(refused.stderr.trim()).toMatch(
        /^metahooks: .*mypod-test\.yaml: http:\/\/127\.0\.0\.1:\d+\/mypod\/sync answered 401: unauthorized$/,
      )
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it.each([
    {
      name: 'broken YAML',
      text: 'apiVersion: v1\nkind: [unclosed\n',
      error: /broken-YAML\.yaml:3:1: Flow sequence in block collection/,
    },
    { name: 'not an object', text: 'just a string\n', error: /not a Kubernetes object/ },
    {
      name: 'invalid spec',
      text: 'apiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: {name: a}\nspec: {image: 42}\n',
      error: /MyPod a is invalid: spec\.image: must be string/,
    },
    {
      name: 'wrong kind',
      text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      error: /answered 400: .*parent is ConfigMap\.v1; mypod handles MyPod/,
    },
  ])('$name → exit 1 and one line naming the file', async ({ name, text, error }) => {
    const path = file(`${name.replace(/ /g, '-')}.yaml`, text)
    const { code, stdout, stderr } = await metahooks(['render', 'mypod', '-f', path])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(path)
    expect(stderr).toMatch(error)
  })

  it.each([
    { args: ['render', 'nope', '-f', example], error: /unknown controller "nope"; known: mypod/ },
    { args: ['render', 'mypod'], error: /render needs -f PARENT\.yaml/ },
    {
      args: ['render', 'mypod', '-f', example, '-o', 'xml'],
      error: /-o must be one of yaml, json/,
    },
    { args: ['render', 'mypod', '-f', example, '--bogus'], error: /Unknown option '--bogus'/ },
    { args: ['frobnicate'], error: /unknown command "frobnicate"/ },
  ])('usage error $args → exit 2', async ({ args, error }) => {
    const { code, stderr } = await metahooks(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(error)
  })
})

describe('metahooks simulate', () => {
  it('runs the example to convergence and prints rounds and the final state', async () => {
    const { code, stdout } = await metahooks(['simulate', 'mypod', '-f', example])
    expect(code).toBe(0)
    expect(stdout).toContain(`round 1 (t+0s, sync)\n  + created Pod default/${NOTES_POD}`)
    expect(stdout).toMatch(/converged after \d+ round\(s\): quiet/)
    const state = stdout.split(/--- final state \(2 object\(s\)\)\n/)[1]!
    const docs = parseAllDocuments(state).map((d) => d.toJS())
    expect(docs.map((d) => d.kind)).toEqual(['MyPod', 'Pod'])
    expect(docs[0].status).toMatchObject({ phase: 'Running', conditions: [{ status: 'True' }] })
  })

  it('--delete-after deletes the parent and the Pod is collected', async () => {
    const { code, stdout } = await metahooks([
      'simulate',
      'mypod',
      '-f',
      example,
      '--delete-after',
      '2',
    ])
    expect(code).toBe(0)
    expect(stdout).toContain(
      '--delete-after 2: delete MyPod mypod-test now, as kubectl delete would, and run until the cluster is quiet',
    )
    expect(stdout).toContain(`- garbage-collected Pod default/${NOTES_POD}`)
    expect(stdout).toMatch(/\ncleaned up after the deletion( in \d+ more round\(s\))?: /)
    expect(stdout).not.toMatch(/converged after 0 round/)
    expect(stdout).toContain('--- final state (0 object(s))')
  })

  it('--kubelet none leaves the Pod without status; still converges', async () => {
    const { code, stdout } = await metahooks([
      'simulate',
      'mypod',
      '-f',
      example,
      '--kubelet',
      'none',
    ])
    expect(code).toBe(0)
    expect(stdout).not.toContain('kubelet')
  })

  it('an invalid parent never converges: exit 1 with the error', async () => {
    const path = file(
      'bad-spec.yaml',
      'apiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: {name: a}\nspec: {customCommand: "echo \\"x"}\n',
    )
    const { code, stdout } = await metahooks(['simulate', 'mypod', '-f', path])
    expect(code).toBe(1)
    expect(stdout).toMatch(/! error 422: invalid parent spec: spec\.customCommand/)
    expect(stdout).toMatch(/NOT converged after 3 round\(s\): the hook keeps failing/)
  })

  it.each(['dynamic-apply', 'server-side-apply'])(
    '--apply-strategy %s: a Pod the API server cannot change is refused, not silently updated',
    async (strategy) => {
      // The Pod this MyPod wants exists, but with another command: no apply can fix that in place.
      const edited = file(
        `edited-${strategy}.yaml`,
        `apiVersion: v1
kind: Pod
metadata: { name: ${NOTES_POD}, namespace: default }
spec:
  containers: [{ name: main, image: nginx, command: [sleep, "1"], env: [{ name: URI, value: any uri }] }]
`,
      )
      const { code, stdout } = await metahooks([
        'simulate',
        'mypod',
        '-f',
        example,
        '--observed',
        edited,
        '--apply-strategy',
        strategy,
        '--rounds',
        '4',
      ])
      expect(code).toBe(1)
      expect(stdout).toContain(
        `Pod "${NOTES_POD}" is invalid: spec: Forbidden: pod updates may not change fields`,
      )
    },
  )

  it('--apply-strategy takes only what Metacontroller takes', async () => {
    const { code, stderr } = await metahooks([
      'simulate',
      'mypod',
      '-f',
      example,
      '--apply-strategy',
      'client-side',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--apply-strategy must be one of dynamic-apply, server-side-apply/)
  })

  it('--rounds must be a positive integer', async () => {
    const { code, stderr } = await metahooks(['simulate', 'mypod', '-f', example, '--rounds', '0'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--rounds must be a positive integer/)
  })
})

describe('render and simulate say what they ignored and refuse what the API server would', () => {
  const pod = (name: string, metadata = '') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default${metadata} }
spec:
  containers: [{ name: main, image: nginx }]
`
  const uid = '00000000-0000-4000-8000-000000000000'
  const ownedBy = `, ownerReferences: [{ apiVersion: crd.example.com/v1, kind: MyPod, name: mypod-test, uid: ${uid}, controller: true }]`
  it.each([
    {
      name: 'a child without the selector label',
      reason:
        'controlled by the parent but without controller-uid: Metacontroller releases it instead of sending it',
      text: pod('earlier', ownedBy),
      ignored: `ignored Pod default/earlier: its labels do not match the selector controller-uid=${uid}, so Metacontroller releases it`,
    },
    {
      name: 'a Pod someone else controls',
      reason: 'another controller owns it',
      text: pod(
        'web-1',
        ', ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: rs-1, controller: true }]',
      ),
      ignored: 'ignored Pod default/web-1: controlled by ReplicaSet web, not by MyPod mypod-test',
    },
    {
      name: 'a Pod in another namespace',
      reason: "children live in the parent's namespace",
      text: pod('far').replace('namespace: default', 'namespace: elsewhere'),
      ignored:
        'ignored Pod elsewhere/far: in namespace elsewhere, but the children of MyPod mypod-test live in default',
    },
    {
      name: 'an object of a type the controller does not know',
      reason: 'neither a child nor a related type',
      text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stray, namespace: default }\n',
      ignored:
        'ignored ConfigMap default/stray: ConfigMap (v1) is neither a child type nor a related type of mypod',
    },
  ])('$name: $reason', async ({ name, text, ignored }) => {
    const path = file(`ignored-${name.replace(/\W+/g, '-')}.yaml`, text)
    for (const command of ['render', 'simulate']) {
      const { code, stderr } = await metahooks([
        command,
        'mypod',
        '-f',
        example,
        '--observed',
        path,
      ])
      expect(code, stderr).toBe(0)
      expect(stderr.trim().split('\n')).toEqual([`metahooks: ${ignored}`])
    }
  })

  it('an object it uses is not reported', async () => {
    const { code, stderr } = await metahooks([
      'render',
      'mypod',
      '-f',
      example,
      '--observed',
      runningPod,
    ])
    expect(code).toBe(0)
    expect(stderr).toBe('')
  })

  const typo = file(
    'typo.yaml',
    'apiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: { name: typo, namespace: default }\nspec: { imgae: nginx:1.27 }\n',
  )
  const wrongType = file(
    'wrong-type.yaml',
    'apiVersion: crd.example.com/v1\nkind: MyPod\nmetadata: { name: wrong }\nspec: { uri: [a] }\n',
  )
  const badPod = file('bad-pod.yaml', pod(NOTES_POD).replace('image: nginx', 'image: 5'))
  it.each([
    {
      name: 'a typo in the spec',
      reason: 'the CRD has no field imgae; without this the default image would be used quietly',
      args: ['-f', typo],
      error:
        /typo\.yaml: MyPod typo is invalid: spec: must NOT have additional properties \(imgae\)/,
    },
    {
      name: 'a field of the wrong type',
      reason: 'uri is a string',
      args: ['-f', wrongType],
      error: /wrong-type\.yaml: MyPod wrong is invalid: spec\.uri: must be string/,
    },
    {
      name: 'an observed Pod the API server would refuse',
      reason: 'an image is a string',
      args: ['-f', example, '--observed', badPod],
      error: new RegExp(`bad-pod\\.yaml: Pod ${NOTES_POD} is invalid: .*image`),
    },
  ])('refuses $name: $reason', async ({ args, error }) => {
    for (const command of ['render', 'simulate']) {
      const { code, stdout, stderr } = await metahooks([command, 'mypod', ...args])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stderr).toMatch(error)
    }
  })

  it('validate and render agree on every file: refused by one, refused by the other, for the same field', async () => {
    for (const path of [example, typo, wrongType]) {
      const validated = await metahooks(['validate', path])
      const rendered = await metahooks(['render', 'mypod', '-f', path])
      expect(
        rendered.code === 0,
        `${path}: validate ${validated.code}, render ${rendered.code}`,
      ).toBe(validated.code === 0)
      if (validated.code === 0) continue
      const field = /(spec[.\w]*): (must[^;\n]*)/.exec(validated.stderr)
      expect(field, validated.stderr).not.toBeNull()
      expect(rendered.stderr).toContain(`${field![1]}: ${field![2]}`)
    }
  })
})

describe('metahooks manifests / validate', () => {
  it('manifests --check: the committed files are current', async () => {
    const { code, stdout } = await metahooks(['manifests', '--check'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/manifests up to date/)
  })

  it('manifests --target worker -o DIR writes URL hooks and a kustomization that validate', async () => {
    const out = join(scratch, 'worker')
    const gen = await metahooks([
      'manifests',
      '--target',
      'worker',
      '--url',
      'https://hooks.example.workers.dev',
      '-o',
      out,
    ])
    expect(gen.code).toBe(0)
    expect(gen.stdout).toContain('wrote ')
    expect(gen.stdout).toContain('compositecontrollers/mypod.yaml')
    const again = await metahooks([
      'manifests',
      '--target',
      'worker',
      '--url',
      'https://hooks.example.workers.dev',
      '-o',
      out,
    ])
    expect(
      again.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('unchanged ')),
      again.stdout,
    ).toBe(true)
    const valid = await metahooks(['validate', out])
    expect(valid.stderr).toBe('')
    expect(valid.code).toBe(0)
    expect(valid.stdout).toMatch(/^all manifests valid: \d+ file\(s\), \d+ object\(s\) checked$/m)
  })

  it('manifests --target worker without --url is a usage error', async () => {
    const { code, stderr } = await metahooks(['manifests', '--target', 'worker', '-o', scratch])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--target worker needs --url/)
  })

  it('validate exits 1 naming file, document and field', async () => {
    const path = join(ROOT, 'test/fixtures/broken/mypod-typo.yaml')
    const { code, stderr } = await metahooks(['validate', path])
    expect(code).toBe(1)
    expect(stderr).toContain(
      'test/fixtures/broken/mypod-typo.yaml (document 1): spec: must NOT have additional properties (imgae)',
    )
    expect(stderr).toMatch(/metahooks: 1 problem\(s\) found in 1 file\(s\), 1 object\(s\)/)
  })
})
