import { describe, expect, it } from 'vitest'
import { parseCondition } from '../../hooks/workflow/resource.ts'
import { nodes, pods, simulate } from './helpers.ts'

type Pod = {
  metadata: { name: string }
  spec: {
    serviceAccountName?: string
    containers: { image: string; command: string[]; env?: { name: string; value: string }[] }[]
  }
}

describe("resource templates: conditions in Argo's syntax", () => {
  const cases: { name: string; condition: string; want: ReturnType<typeof parseCondition> }[] = [
    {
      name: 'a number compared',
      condition: 'status.succeeded > 0',
      want: [{ path: '{.status.succeeded}', op: '>', values: ['0'] }],
    },
    {
      name: 'equality, = and ==',
      condition: 'status.phase == Running, metadata.name=x',
      want: [
        { path: '{.status.phase}', op: '==', values: ['Running'] },
        { path: '{.metadata.name}', op: '==', values: ['x'] },
      ],
    },
    {
      name: 'sets',
      condition: 'status.phase in (Failed, Error),status.reason notin (Evicted)',
      want: [
        { path: '{.status.phase}', op: 'in', values: ['Failed', 'Error'] },
        { path: '{.status.reason}', op: 'notin', values: ['Evicted'] },
      ],
    },
    {
      name: 'exists and not',
      condition: 'status.ready, !status.failed',
      want: [
        { path: '{.status.ready}', op: 'exists', values: [] },
        { path: '{.status.failed}', op: '!', values: [] },
      ],
    },
    {
      name: 'indexes and escaped dots',
      condition:
        'status.conditions.0.type == Complete, metadata.labels.app\\.kubernetes\\.io/name == web',
      want: [
        { path: '{.status.conditions[0].type}', op: '==', values: ['Complete'] },
        { path: '{.metadata.labels.app\\.kubernetes\\.io/name}', op: '==', values: ['web'] },
      ],
    },
    {
      name: 'a gjson query',
      condition: 'status.conditions.#(type=="Complete").status == True',
      want: expect.stringMatching(/^cannot read/) as never,
    },
    {
      name: 'a word compared as a number',
      condition: 'status.phase > Running',
      want: '"status.phase > Running": > compares whole numbers',
    },
  ]
  it.each(cases)('$name', ({ condition, want }) => expect(parseCondition(condition)).toEqual(want))
})

describe('workflow: resource templates', () => {
  const job = `apiVersion: batch/v1
kind: Job
metadata:
  generateName: pi-job-
spec:
  template:
    spec:
      containers: [{ name: pi, image: perl, command: [perl, "-Mbignum=bpi", "-wle", "print bpi({{inputs.parameters.digits}})"] }]
      restartPolicy: Never
`
  const spec = (resource: Record<string, unknown>) => ({
    entrypoint: 'main',
    serviceAccountName: 'workflow-runner',
    templates: [
      {
        name: 'main',
        steps: [
          [
            {
              name: 'pi',
              template: 'pi-tmpl',
              arguments: { parameters: [{ name: 'digits', value: '20' }] },
            },
          ],
          [
            {
              name: 'show',
              template: 'show',
              arguments: {
                parameters: [{ name: 'job', value: '{{steps.pi.outputs.parameters.job-name}}' }],
              },
            },
          ],
        ],
      },
      {
        name: 'pi-tmpl',
        inputs: { parameters: [{ name: 'digits' }] },
        resource: { action: 'create', manifest: job, ...resource },
        outputs: {
          parameters: [{ name: 'job-name', valueFrom: { jsonPath: '{.metadata.name}' } }],
        },
      },
      {
        name: 'show',
        inputs: { parameters: [{ name: 'job' }] },
        container: { image: 'alpine:3', command: ['echo', '{{inputs.parameters.job}}'] },
      },
    ],
  })

  it("Argo's k8s-jobs example: kubectl runs in the official image under the workflow's service account, the manifest substituted and owned by the workflow, its output read by jsonPath", async () => {
    const sim = simulate(
      spec({
        setOwnerReference: true,
        successCondition: 'status.succeeded > 0',
        failureCondition: 'status.failed > 3',
      }),
      { pi: { files: { '/var/run/metahooks/resource/job-name': 'pi-job-x7k2p' } } },
    )
    await sim.run()
    expect(sim.status?.phase).toBe('Succeeded')
    const pod = pods(sim).find((p) => p.metadata.name.startsWith('wf-pi-tmpl-')) as unknown as Pod
    expect(pod.spec.serviceAccountName).toBe('workflow-runner')
    const main = pod.spec.containers[0]!
    expect(main.image).toBe('registry.k8s.io/kubectl:v1.35.4')
    const manifest = JSON.parse(
      main.env!.find((e) => e.name === 'METAHOOKS_MANIFEST')!.value.replaceAll('$$', '$'),
    )
    expect(manifest.spec.template.spec.containers[0].command).toEqual([
      'perl',
      '-Mbignum=bpi',
      '-wle',
      'print bpi(20)',
    ])
    expect(manifest.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'workflows.metahooks.dev/v1alpha1',
        kind: 'Workflow',
        name: 'wf',
        uid: expect.any(String),
      },
    ])
    const script = main.command.slice(main.command.indexOf('metahooks-resource'))
    expect(script.slice(0, 4)).toEqual([
      'metahooks-resource',
      '/var/run/metahooks',
      'create',
      'strategic',
    ])
    expect(script.slice(4)).toEqual([
      '-s',
      '{.status.succeeded}',
      '>',
      '0',
      '-f',
      '{.status.failed}',
      '>',
      '3',
      '-o',
      'job-name',
      '{.metadata.name}',
      '--',
    ])
    const show = Object.values(nodes(sim)).find((n) => n.displayName === 'pi')!
    expect(show.outputs?.parameters).toEqual({ 'job-name': 'pi-job-x7k2p' })
  })

  it('manifestFrom an input artifact (raw here): fetched by the executor, read by kubectl from its file', async () => {
    const spec = {
      entrypoint: 'apply',
      templates: [
        {
          name: 'apply',
          inputs: {
            artifacts: [
              {
                name: 'manifest',
                path: '/tmp/manifest.yaml',
                raw: {
                  data: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: from-artifact }\n',
                },
              },
            ],
          },
          resource: { action: 'apply', manifestFrom: { artifact: { name: 'manifest' } } },
        },
      ],
    }
    const sim = simulate(spec)
    await sim.run()
    expect(sim.status?.phase).toBe('Succeeded')
    const pod = pods(sim)[0] as unknown as Pod & {
      spec: { initContainers: { name: string; env?: { name: string; value?: string }[] }[] }
    }
    expect(pod.spec.initContainers.find((c) => c.name === 'metahooks-artifacts-in')!.env).toEqual([
      {
        name: 'METAHOOKS_ARTIFACT_1_DATA',
        value: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: from-artifact }\n',
      },
    ])
    expect(pod.spec.containers[0]!.env).toEqual([
      { name: 'METAHOOKS_MANIFEST_FILE', value: '/var/run/metahooks/in/manifest' },
    ])
  })

  it('a failure condition that holds fails the step with what the executor said', async () => {
    const sim = simulate(spec({ failureCondition: 'status.failed > 3' }), {
      pi: {
        exitCode: 1,
        files: {
          '/var/run/metahooks/message': 'job.batch/pi-job-x7k2p: the failure condition holds',
        },
      },
    })
    await sim.run()
    expect(sim.status?.phase).toBe('Failed')
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'pi')!.message).toBe(
      'job.batch/pi-job-x7k2p: the failure condition holds',
    )
  })
})
