import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { nodes, outcomes, pods, START, wf, type StepOutcome } from './helpers.ts'

type Container = {
  name: string
  image: string
  command: string[]
  env?: { name: string; value?: string; valueFrom?: unknown }[]
  restartPolicy?: string
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[]
}
type Pod = KObject & {
  spec: {
    initContainers?: Container[]
    containers: Container[]
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[]
  }
}

const repositories = (
  data: Record<string, string>,
  annotations: Record<string, string> = {},
  name = 'artifact-repositories',
) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', annotations },
    data,
  }) as KObject
const S3_REPOSITORY =
  's3:\n  bucket: my-bucket\n  endpoint: minio:9000\n  insecure: true\n  accessKeySecret: {name: my-minio-cred, key: accesskey}\n  secretKeySecret: {name: my-minio-cred, key: secretkey}\n'
const s3Repository = repositories(
  { 'default-v1': S3_REPOSITORY },
  { 'workflows.argoproj.io/default-artifact-repository': 'default-v1' },
)

/** Argo's artifact-passing example, as its docs write it. */
const passing = (output: Record<string, unknown> = {}, input: Record<string, unknown> = {}) => ({
  entrypoint: 'artifact-example',
  templates: [
    {
      name: 'artifact-example',
      steps: [
        [{ name: 'generate-artifact', template: 'hello-world-to-file' }],
        [
          {
            name: 'consume-artifact',
            template: 'print-message-from-file',
            arguments: {
              artifacts: [
                {
                  name: 'message',
                  from: '{{steps.generate-artifact.outputs.artifacts.hello-art}}',
                },
              ],
            },
          },
        ],
      ],
    },
    {
      name: 'hello-world-to-file',
      container: {
        image: 'busybox',
        command: ['sh', '-c'],
        args: ['echo hello world | tee /tmp/hello_world.txt'],
      },
      outputs: { artifacts: [{ name: 'hello-art', path: '/tmp/hello_world.txt', ...output }] },
    },
    {
      name: 'print-message-from-file',
      inputs: { artifacts: [{ name: 'message', path: '/tmp/message', ...input }] },
      container: { image: 'alpine:latest', command: ['sh', '-c'], args: ['cat /tmp/message'] },
    },
  ],
})

async function simulate(
  spec: Record<string, unknown>,
  objects: KObject[],
  table: Record<string, StepOutcome> = {},
) {
  const sim = new Simulation(workflow, {
    parent: wf(spec),
    objects,
    startTime: START,
    podOutcome: outcomes(table),
  })
  const result = await sim.run()
  return {
    sim,
    result,
    byName: (d: string) =>
      Object.values(nodes(sim)).find((n) => n.displayName === d) as Record<string, any> | undefined,
  }
}
const podOf = (sim: Simulation, template: string) =>
  pods(sim).find((p) => p.metadata.name.startsWith(`wf-${template}-`)) as Pod
const init = (pod: Pod, name: string) => pod.spec.initContainers?.find((c) => c.name === name)
/** The records the transfer script gets: its seven-word groups. */
const records = (c: Container) => c.command.slice(7)

describe('workflow: artifacts', () => {
  it("Argo's artifact-passing: the producer's sidecar stores the file under the repository's key, the consumer's init container fetches it and main mounts it", async () => {
    const { sim, byName } = await simulate(passing(), [s3Repository], {
      'generate-artifact': { files: { '/tmp/hello_world.txt': 'hello world\n' } },
    })
    expect(sim.status?.phase).toBe('Succeeded')
    const producer = podOf(sim, 'hello-world-to-file')
    const key = `wf/${producer.metadata.name}/hello-art.tgz`
    const location = {
      s3: {
        endpoint: 'minio:9000',
        bucket: 'my-bucket',
        insecure: true,
        accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' },
        secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
        key,
      },
    }
    expect(byName('generate-artifact')!.outputs.artifacts).toEqual({ 'hello-art': location })
    expect(byName('consume-artifact')!.inputs.artifacts).toEqual({ message: location })
    const sidecar = init(producer, 'metahooks-artifacts-out')!
    expect(sidecar).toMatchObject({ image: 'rclone/rclone:1.76.0', restartPolicy: 'Always' })
    expect(records(sidecar)).toEqual([
      'put',
      's3',
      'hello-art',
      '1',
      'http://minio:9000',
      `my-bucket/${key}`,
      '',
      '-',
    ])
    expect(sidecar.env).toEqual([
      {
        name: 'METAHOOKS_ARTIFACT_1_ACCESS_KEY',
        valueFrom: { secretKeyRef: { name: 'my-minio-cred', key: 'accesskey' } },
      },
      {
        name: 'METAHOOKS_ARTIFACT_1_SECRET_KEY',
        valueFrom: { secretKeyRef: { name: 'my-minio-cred', key: 'secretkey' } },
      },
    ])
    // main packs the file when its command exits; it never sees the credentials.
    expect(producer.spec.containers[0]!.command).toEqual(
      expect.arrayContaining(['-a', 'hello-art', '/tmp/hello_world.txt', 'tgz']),
    )
    expect(producer.spec.containers[0]!.env).toBeUndefined()
    const consumer = podOf(sim, 'print-message-from-file')
    expect(records(init(consumer, 'metahooks-artifacts-in')!)).toEqual([
      'get',
      's3',
      'message',
      '1',
      'http://minio:9000',
      `my-bucket/${key}`,
      '',
      '-',
    ])
    expect(consumer.spec.containers[0]!.volumeMounts).toContainEqual({
      name: 'metahooks-executor',
      mountPath: '/tmp/message',
      subPath: 'in/message',
    })
    // Only stdout someone reads is captured: the producer is read for its artifact alone.
    expect(producer.spec.containers[0]!.command).not.toContain('-r')
  })

  const ends: {
    name: string
    reason: string
    output?: Record<string, unknown>
    input?: Record<string, unknown>
    files: Record<string, string>
    phase: string
    message?: RegExp
    consumer?: string
  }[] = [
    {
      name: 'a required output not written',
      reason: 'Argo fails the step: a consumer must never start without its input',
      files: {},
      phase: 'Error',
      message:
        /output artifact hello-art: \/tmp\/hello_world.txt was not there when the command exited/,
      consumer: undefined,
    },
    {
      name: 'an optional output not written, an optional input',
      reason: 'optional on both sides: the consumer runs without the file',
      output: { optional: true },
      input: { optional: true },
      files: {},
      phase: 'Succeeded',
      consumer: 'Succeeded',
    },
    {
      name: 'an optional output not written, a required input',
      reason: 'the consumer names what it lacks instead of running without it',
      output: { optional: true },
      files: {},
      phase: 'Error',
      consumer: 'Error',
    },
    {
      name: 'archive none',
      reason: 'stored as the file itself, under its own name',
      output: { archive: { none: {} } },
      files: { '/tmp/hello_world.txt': 'hi' },
      phase: 'Succeeded',
      consumer: 'Succeeded',
    },
  ]
  it.each(ends)('$name: $reason', async (c) => {
    const { sim, byName } = await simulate(passing(c.output, c.input), [s3Repository], {
      'generate-artifact': { files: c.files },
    })
    expect(sim.status?.phase).toBe(c.phase)
    if (c.message) expect(byName('generate-artifact')!.message).toMatch(c.message)
    expect(byName('consume-artifact')?.phase).toBe(c.consumer)
    if (c.output?.archive)
      expect(byName('generate-artifact')!.outputs.artifacts['hello-art'].s3.key).toMatch(
        /\/hello_world\.txt$/,
      )
  })

  it('DAG: tasks pass artifacts, the DAG template exports one (outputs.artifacts from) and globalName puts it in the workflow status', async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          dag: {
            tasks: [
              { name: 'build', template: 'build' },
              {
                name: 'test',
                template: 'test',
                dependencies: ['build'],
                arguments: {
                  artifacts: [{ name: 'bin', from: '{{tasks.build.outputs.artifacts.bin}}' }],
                },
              },
            ],
          },
          outputs: {
            artifacts: [
              {
                name: 'release',
                from: '{{tasks.build.outputs.artifacts.bin}}',
                globalName: 'release',
              },
            ],
          },
        },
        {
          name: 'build',
          container: { image: 'golang:1.26', command: ['go', 'build', '-o', '/out/app'] },
          outputs: { artifacts: [{ name: 'bin', path: '/out/app' }] },
        },
        {
          name: 'test',
          inputs: { artifacts: [{ name: 'bin', path: '/bin/app', mode: 0o755 }] },
          container: { image: 'alpine:3', command: ['/bin/app', '--self-test'] },
        },
      ],
    }
    const { sim, byName } = await simulate(spec, [s3Repository], {
      build: { files: { '/out/app': 'ELF' } },
    })
    expect(sim.status?.phase).toBe('Succeeded')
    const key = byName('build')!.outputs.artifacts.bin.s3.key
    expect(byName('main') ?? byName('wf')).toBeDefined()
    expect(sim.status?.outputs).toEqual({
      artifacts: [{ name: 'release', ...byName('build')!.outputs.artifacts.bin }],
    })
    expect(records(init(podOf(sim, 'test'), 'metahooks-artifacts-in')!)).toEqual([
      'get',
      's3',
      'bin',
      '1',
      'http://minio:9000',
      `my-bucket/${key}`,
      '',
      'mode=755',
    ])
  })

  it('a volume repository: a PVC mounted by the executor containers only, busybox moves the bytes (no rclone image), keyFormat from the repository', async () => {
    const volume = repositories({
      pvc: 'volume:\n  claimName: artifacts\n  keyFormat: "runs/{{workflow.name}}/{{pod.name}}"\n',
    })
    const { sim, byName } = await simulate(passing(), [volume], {
      'generate-artifact': { files: { '/tmp/hello_world.txt': 'x' } },
    })
    expect(sim.status?.phase).toBe('Succeeded')
    const producer = podOf(sim, 'hello-world-to-file')
    expect(byName('generate-artifact')!.outputs.artifacts['hello-art']).toEqual({
      volume: { claimName: 'artifacts', key: `runs/wf/${producer.metadata.name}/hello-art.tgz` },
    })
    const sidecar = init(producer, 'metahooks-artifacts-out')!
    expect(sidecar.image).toBe('busybox:1.37.0-musl')
    const claim = producer.spec.volumes!.find(
      (v) => v.persistentVolumeClaim?.claimName === 'artifacts',
    )!
    expect(sidecar.volumeMounts).toContainEqual({
      name: claim.name,
      mountPath: '/var/run/metahooks/volumes/artifacts',
    })
    expect(producer.spec.containers[0]!.volumeMounts?.some((m) => m.name === claim.name)).toBe(
      false,
    )
  })

  it('sources of their own: raw (workflow arguments), http with headers, and a key-only s3 input read from the repository', async () => {
    const spec = {
      entrypoint: 'use',
      arguments: { artifacts: [{ name: 'config', raw: { data: 'a: 1\n' } }] },
      templates: [
        {
          name: 'use',
          inputs: {
            parameters: [{ name: 'token', value: 't0k' }],
            artifacts: [
              { name: 'config', path: '/etc/app/config.yaml' },
              {
                name: 'page',
                path: '/data/page.html',
                http: {
                  url: 'https://example.com/page.html',
                  headers: [{ name: 'Authorization', value: 'Bearer {{inputs.parameters.token}}' }],
                },
              },
              { name: 'model', path: '/models/m', s3: { key: 'models/m.tgz' } },
            ],
          },
          container: { image: 'alpine:3', command: ['ls', '/etc/app', '/data', '/models'] },
        },
      ],
    }
    const { sim } = await simulate(spec, [s3Repository])
    expect(sim.status?.phase).toBe('Succeeded')
    const fetch = init(podOf(sim, 'use'), 'metahooks-artifacts-in')!
    expect(records(fetch)).toEqual([
      'get',
      'raw',
      'config',
      '1',
      '',
      '',
      '',
      '-',
      'http',
      'page',
      '2',
      'https://example.com/page.html',
      '',
      '',
      '-',
      's3',
      'model',
      '3',
      'http://minio:9000',
      'my-bucket/models/m.tgz',
      '',
      '-',
    ])
    expect(fetch.env).toEqual(
      expect.arrayContaining([
        { name: 'METAHOOKS_ARTIFACT_1_DATA', value: 'a: 1\n' },
        { name: 'METAHOOKS_ARTIFACT_2_HEADERS', value: 'Authorization: Bearer t0k' },
      ]),
    )
  })

  it('a repository edited while a producer runs: the artifact is recorded where the Pod stored it (its annotation), not where a new Pod would', async () => {
    const sim = new Simulation(workflow, {
      parent: wf(passing()),
      objects: [s3Repository],
      startTime: START,
      podOutcome: outcomes({ 'generate-artifact': { files: { '/tmp/hello_world.txt': 'x' } } }),
    })
    await sim.step()
    expect(pods(sim)).toHaveLength(1)
    const edited = S3_REPOSITORY.replace('my-bucket', 'another-bucket')
    const existing = sim.cluster
      .list()
      .find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'artifact-repositories')!
    sim.cluster.update({ ...existing, data: { 'default-v1': edited } } as never)
    await sim.run()
    expect(sim.status?.phase).toBe('Succeeded')
    const generated = Object.values(nodes(sim)).find(
      (n) => n.displayName === 'generate-artifact',
    ) as Record<string, any>
    expect(generated.outputs.artifacts['hello-art'].s3.bucket).toBe('my-bucket')
    expect(
      records(init(podOf(sim, 'print-message-from-file'), 'metahooks-artifacts-in')!)[5],
    ).toMatch(/^my-bucket\//)
  })

  it("a git input: its own init container (git's image), revision and depth as words, branch and credentials in its environment", async () => {
    const spec = {
      entrypoint: 'build',
      templates: [
        {
          name: 'build',
          inputs: {
            artifacts: [
              {
                name: 'src',
                path: '/src',
                git: {
                  repo: 'https://github.com/argoproj/argo-workflows.git',
                  revision: 'v3.6.0',
                  depth: 1,
                  branch: 'main',
                  singleBranch: true,
                  usernameSecret: { name: 'github', key: 'user' },
                  passwordSecret: { name: 'github', key: 'token' },
                },
              },
            ],
          },
          container: {
            image: 'golang:1.26',
            command: ['go', 'build', './...'],
            workingDir: '/src',
          },
        },
      ],
    }
    const { sim } = await simulate(spec, [])
    expect(sim.status?.phase).toBe('Succeeded')
    const pod = podOf(sim, 'build')
    expect(pod.spec.initContainers!.map((c) => c.name)).toEqual([
      'metahooks-executor',
      'metahooks-artifacts-git',
    ])
    const git = init(pod, 'metahooks-artifacts-git')!
    expect(git.image).toBe('registry.k8s.io/git-sync/git-sync:v4.4.0')
    expect(records(git)).toEqual([
      'get',
      'git',
      'src',
      '1',
      'https://github.com/argoproj/argo-workflows.git',
      'v3.6.0',
      '1',
      'single-branch',
    ])
    expect(git.env).toEqual([
      { name: 'METAHOOKS_ARTIFACT_1_BRANCH', value: 'main' },
      {
        name: 'METAHOOKS_ARTIFACT_1_USERNAME',
        valueFrom: { secretKeyRef: { name: 'github', key: 'user' } },
      },
      {
        name: 'METAHOOKS_ARTIFACT_1_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'github', key: 'token' } },
      },
    ])
  })

  it('an input nobody supplies is an Error naming it (no Pod runs without its input)', async () => {
    const spec = {
      entrypoint: 'use',
      templates: [
        {
          name: 'use',
          inputs: { artifacts: [{ name: 'data', path: '/data' }] },
          container: { image: 'alpine:3', command: ['ls', '/data'] },
        },
      ],
    }
    const { sim } = await simulate(spec, [s3Repository])
    expect(sim.status?.phase).toBe('Error')
    expect(Object.values(nodes(sim))[0]!.message).toBe('input artifact data was not supplied')
    expect(pods(sim)).toEqual([])
  })
})

describe('workflow: the artifact repository', () => {
  const sync = (spec: Record<string, unknown>, related: KObject[], observed: KObject[] = []) =>
    runHook(workflow, 'sync', compositeRequest(workflow, { parent: wf(spec), related, observed }), {
      now: new Date('2026-01-01T00:00:10Z'),
    })

  const cases: {
    name: string
    reason: string
    related: KObject[]
    spec?: Record<string, unknown>
    error: RegExp
  }[] = [
    {
      name: 'none',
      reason: 'outputs with nowhere to go are refused before any Pod exists',
      related: [],
      error:
        /template hello-world-to-file output artifact hello-art needs an artifact repository: the ConfigMap artifact-repositories \(the namespace's default artifact repository\) is not there/,
    },
    {
      name: 'not YAML',
      reason: 'a broken ConfigMap is named, not guessed around',
      related: [repositories({ a: 's3: [' })],
      error: /the ConfigMap artifact-repositories key a is not YAML/,
    },
    {
      name: 'two keys, no default',
      reason: "Argo's annotation (or artifactRepositoryRef.key) says which",
      related: [repositories({ a: S3_REPOSITORY, b: S3_REPOSITORY })],
      error:
        /holds 2 repositories; say which with artifactRepositoryRef.key or the annotation workflows.argoproj.io\/default-artifact-repository/,
    },
    {
      name: 'a field Argo has that is not run',
      reason: 'gcs is refused by name',
      related: [repositories({ a: 'gcs:\n  bucket: b\n' })],
      error: /the ConfigMap artifact-repositories key a: gcs: gcs artifacts/,
    },
    {
      name: 'artifactRepositoryRef to a missing key',
      reason: 'the ref names the ConfigMap and key Argo would read',
      related: [repositories({ a: S3_REPOSITORY }, {}, 'repos')],
      spec: { artifactRepositoryRef: { configMap: 'repos', key: 'b' } },
      error: /the ConfigMap repos has no key b/,
    },
  ]
  it.each(cases)('$name: a 422 ($reason)', async (c) => {
    const outcome = await sync({ ...passing(), ...c.spec }, c.related)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(422)
    expect(outcome.message).toMatch(c.error)
  })

  it('an output artifact of an image whose entrypoint the executor does not know is a 422 (its command must be wrapped to pack the file)', async () => {
    const spec = passing()
    spec.templates[1] = {
      name: 'hello-world-to-file',
      container: { image: 'registry.local/tool:1' },
      outputs: { artifacts: [{ name: 'hello-art', path: '/tmp/hello_world.txt' }] },
    } as never
    const outcome = await sync(spec, [s3Repository])
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    if (!outcome.ok)
      expect(outcome.message).toMatch(
        /hello-world-to-file.*registry\.local\/tool:1 runs an entrypoint the executor does not know/,
      )
  })

  it('a repository deleted while a producer runs is a 422, never an answer without its Pod', async () => {
    const first = await sync(passing(), [s3Repository])
    if (!first.ok) throw new Error(first.message)
    const pod = (first.response as { children: KObject[] }).children[0]!
    const status = (first.response as { status: Record<string, unknown> }).status
    const parent = { ...wf(passing()), status }
    const again = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent,
        related: [],
        observed: [{ ...pod, status: { phase: 'Running' } } as KObject],
      }),
      { now: new Date('2026-01-01T00:00:20Z') },
    )
    expect(again.ok).toBe(false)
    if (!again.ok) expect(again.status).toBe(422)
  })

  it('customize relates the repository ConfigMap only for workflows that use artifacts', async () => {
    const customize = async (spec: Record<string, unknown>) => {
      const outcome = await runHook(
        workflow,
        'customize',
        { controller: {}, parent: wf(spec) } as never,
        { now: new Date(START) },
      )
      if (!outcome.ok) throw new Error(outcome.message)
      return JSON.stringify(outcome.response)
    }
    expect(await customize(passing())).toContain('"artifact-repositories"')
    expect(
      await customize({ ...passing(), artifactRepositoryRef: { configMap: 'repos' } }),
    ).toContain('"repos"')
    expect(
      await customize({
        entrypoint: 'a',
        templates: [{ name: 'a', container: { image: 'alpine:3', command: ['true'] } }],
      }),
    ).not.toContain('artifact-repositories')
  })
})
