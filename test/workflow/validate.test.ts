import { describe, expect, it } from 'vitest'
import workflow from '../../hooks/workflow/index.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { evaluate } from '../../hooks/workflow/engine.ts'
import { WorkflowSpec } from '../../hooks/workflow/schema.ts'
import { structuralSchema } from '../../hooks/core/manifests/schema.ts'
import { podName } from '../../hooks/workflow/pods.ts'
import { emptyMemo, expand, nodeId } from '../../hooks/workflow/compact.ts'
import { START, container, wf } from './helpers.ts'

const job = container('job')

async function sync(spec: Record<string, unknown>) {
  return runHook(workflow, 'sync', compositeRequest(workflow, { parent: wf(spec) }), {
    now: new Date(START),
  })
}

describe('invalid workflows are a 422 naming the path, before any Pod', () => {
  it.each([
    {
      name: 'unknown entrypoint',
      spec: { entrypoint: 'nope', templates: [job] },
      error: /spec\.entrypoint: unknown template "nope"/,
    },
    {
      name: 'unknown step template',
      spec: {
        entrypoint: 's',
        templates: [{ name: 's', steps: [[{ name: 'a', template: 'ghost' }]] }, job],
      },
      error: /spec\.templates\[0\]\.steps\[0\]\[0\]\.template: unknown template "ghost"/,
    },
    {
      name: 'a DAG cycle',
      spec: {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            dag: {
              tasks: [
                { name: 'a', template: 'job', dependencies: ['b'] },
                { name: 'b', template: 'job', dependencies: ['a'] },
              ],
            },
          },
          job,
        ],
      },
      error: /dependency cycle a → b → a/,
    },
    {
      name: 'a template calling itself at once',
      spec: {
        entrypoint: 'r',
        templates: [{ name: 'r', steps: [[{ name: 'again', template: 'r' }]] }],
      },
      error: /template "r" calls itself before anything can end the recursion \(r → r\)/,
    },
    {
      name: 'two templates calling each other at once',
      spec: {
        entrypoint: 'a',
        templates: [
          { name: 'a', dag: { tasks: [{ name: 'x', template: 'b' }] } },
          { name: 'b', steps: [[{ name: 'y', template: 'a', withItems: [1] }]] },
        ],
      },
      error: /template "a" calls itself before anything can end the recursion \(a → b → a\)/,
    },
    {
      name: 'a bad depends expression',
      spec: {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            dag: {
              tasks: [
                { name: 'a', template: 'job' },
                { name: 'b', template: 'job', depends: 'a.Succeeded &&' },
              ],
            },
          },
          job,
        ],
      },
      error: /tasks\[1\]\.depends: unexpected end/,
    },
    {
      name: 'an unknown depends result',
      spec: {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            dag: {
              tasks: [
                { name: 'a', template: 'job' },
                { name: 'b', template: 'job', depends: 'a.Done' },
              ],
            },
          },
          job,
        ],
      },
      error: /unknown result "Done"/,
    },
    {
      name: 'depends on an unknown task',
      spec: {
        entrypoint: 'd',
        templates: [
          { name: 'd', dag: { tasks: [{ name: 'b', template: 'job', dependencies: ['a'] }] } },
          job,
        ],
      },
      error: /depends on unknown task "a"/,
    },
    {
      name: 'a bad when expression',
      spec: {
        entrypoint: 's',
        templates: [{ name: 's', steps: [[{ name: 'a', template: 'job', when: '(x == y' }]] }, job],
      },
      error: /when: missing "\)"/,
    },
    {
      name: 'an unknown parameter',
      spec: {
        entrypoint: 'j',
        templates: [
          { name: 'j', container: { image: 'alpine', args: ['{{inputs.parameters.missing}}'] } },
        ],
      },
      error:
        /container\.args\[0\]: unknown parameter or reference \{\{inputs\.parameters\.missing\}\}/,
    },
    {
      name: 'an unknown workflow parameter',
      spec: {
        entrypoint: 'j',
        templates: [
          { name: 'j', container: { image: 'alpine', args: ['{{workflow.parameters.x}}'] } },
        ],
      },
      error: /unknown parameter or reference \{\{workflow\.parameters\.x\}\}/,
    },
    {
      name: 'a step output from a later group',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [
              [
                {
                  name: 'a',
                  template: 'p',
                  arguments: { parameters: [{ name: 'x', value: '{{steps.b.outputs.result}}' }] },
                },
              ],
              [{ name: 'b', template: 'job' }],
            ],
          },
          { name: 'p', inputs: { parameters: [{ name: 'x' }] }, container: { image: 'alpine' } },
          job,
        ],
      },
      error: /unknown parameter or reference \{\{steps\.b\.outputs\.result\}\}/,
    },
    {
      name: 'a missing required input',
      spec: {
        entrypoint: 's',
        templates: [
          { name: 's', steps: [[{ name: 'a', template: 'p' }]] },
          { name: 'p', inputs: { parameters: [{ name: 'x' }] }, container: { image: 'alpine' } },
        ],
      },
      error: /template "p" needs parameter "x"/,
    },
    {
      name: 'a template with two bodies',
      spec: { entrypoint: 'j', templates: [{ name: 'j', container: { image: 'a' }, suspend: {} }] },
      error:
        /needs exactly one of container, script, containerSet, resource, http, steps, dag, suspend \(has container, suspend\)/,
    },
    {
      name: 'a timeout that is not a duration',
      spec: { entrypoint: 'j', templates: [{ ...job, timeout: '1d' }] },
      error: /spec\.templates\[0\]\.timeout: must be a duration/,
    },
    {
      name: 'a timeout on a steps template',
      spec: {
        entrypoint: 's',
        templates: [{ name: 's', timeout: '1m', steps: [[{ name: 'a', template: 'job' }]] }, job],
      },
      error: /timeout: only container and script templates have a timeout/,
    },
    {
      name: 'a retry expression calling an unknown function',
      spec: {
        entrypoint: 'j',
        templates: [
          { ...job, retryStrategy: { limit: 1, expression: 'nope(lastRetry.exitCode)' } },
        ],
      },
      error: /retryStrategy\.expression: unknown function "nope"/,
    },
    {
      name: 'a steps output reading a step that is not there',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [[{ name: 'a', template: 'job' }]],
            outputs: {
              parameters: [{ name: 'o', valueFrom: { parameter: '{{steps.b.outputs.result}}' } }],
            },
          },
          job,
        ],
      },
      error:
        /outputs\.parameters\[0\]\.valueFrom\.parameter: unknown parameter or reference \{\{steps\.b\.outputs\.result\}\}/,
    },
    {
      name: 'a withSequence format Argo would not print',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [[{ name: 'a', template: 'job', withSequence: { count: '2', format: 'n-%q' } }]],
          },
          job,
        ],
      },
      error: /withSequence\.format: "n-%q" uses a verb other than %d/,
    },
    {
      name: 'an empty command whose outputs the executor must capture',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            container: { image: 'alpine:3', command: [] },
            outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] },
          },
        ],
      },
      error: /runs an entrypoint the executor does not know; give the container a command/,
    },
    {
      name: 'workflow.status outside an exit handler',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [[{ name: 'a', template: 'job', when: '{{workflow.status}} == Succeeded' }]],
          },
          job,
        ],
      },
      error: /when: \{\{workflow\.status\}\} is set only in exit handlers/,
    },
    {
      name: 'node.name in a step argument',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [
              [
                {
                  name: 'a',
                  template: 'p',
                  arguments: { parameters: [{ name: 'x', value: '{{node.name}}' }] },
                },
              ],
            ],
          },
          {
            name: 'p',
            inputs: { parameters: [{ name: 'x' }] },
            container: { image: 'alpine', command: ['true'] },
          },
        ],
      },
      error: /\{\{node\.name\}\} is set only in a container or script template's own fields/,
    },
    {
      name: 'lastRetry in a template without retries',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            container: { image: 'alpine', command: ['echo', '{{lastRetry.exitCode}}'] },
          },
        ],
      },
      error:
        /\{\{lastRetry\.exitCode\}\} is set only in the fields of a template with a retryStrategy/,
    },
    {
      name: 'a bad duration',
      spec: { entrypoint: 'j', templates: [{ name: 'j', suspend: { duration: 'soon' } }] },
      error: /spec\.templates\[0\]\.suspend\.duration: must be a duration/,
    },
  ])('$name', async ({ spec, error }) => {
    const outcome = await sync(spec)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(422)
    expect(outcome.message).toMatch(error)
  })
})

describe('workflow conformance and safety', () => {
  it('conforms: converges, idempotent, deterministic, 422 on invalid specs, nothing left on delete', async () => {
    const problems = await checkConformance(workflow, {
      parent: wf({
        entrypoint: 'm',
        templates: [
          {
            name: 'm',
            steps: [[{ name: 'a', template: 'job' }], [{ name: 'b', template: 'job' }]],
          },
          job,
        ],
      }),
      startTime: START,
      maxRounds: 10,
      invalidSpecs: [
        { entrypoint: 'x', templates: [job] },
        { templates: [job] },
        { entrypoint: 'job', templates: [] },
      ],
    })
    expect(problems).toEqual([])
  })

  it('a stale status (older memo) never drops a Pod whose result it does not hold', async () => {
    const parent = {
      ...wf({ entrypoint: 'job', podGC: { strategy: 'OnPodCompletion' }, templates: [job] }),
      metadata: { name: 'wf', namespace: 'default', uid: 'u' },
    }
    const pod = (phase: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName('wf', 'job', 'wf'),
        namespace: 'default',
        annotations: { 'workflows.metahooks.dev/node-name': 'wf' },
      },
      status: {
        phase,
        containerStatuses: [
          { name: 'main', state: { terminated: { exitCode: 0, finishedAt: START } } },
        ],
      },
    })
    // Status from before the Pod finished (or no status at all): the finished Pod must stay.
    for (const status of [
      undefined,
      {
        phase: 'Running',
        nodes: {
          wf: { name: 'wf', displayName: 'wf', type: 'Pod', phase: 'Running', startedAt: START },
        },
      },
    ]) {
      const outcome = await runHook(
        workflow,
        'sync',
        compositeRequest(workflow, {
          parent: { ...parent, ...(status && { status }) },
          observed: [pod('Succeeded')],
        }),
        { now: new Date(START) },
      )
      expect(
        outcome.ok &&
          (outcome.response.children as { metadata: { name: string } }[]).map(
            (c) => c.metadata.name,
          ),
      ).toEqual([podName('wf', 'job', 'wf')])
    }
    // Once the observed status records it, OnPodCompletion may collect it.
    const recorded = {
      phase: 'Succeeded',
      nodes: {
        wf: {
          name: 'wf',
          displayName: 'wf',
          type: 'Pod',
          phase: 'Succeeded',
          startedAt: START,
          finishedAt: START,
        },
      },
    }
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, {
        parent: { ...parent, status: recorded },
        observed: [pod('Succeeded')],
      }),
      { now: new Date(START) },
    )
    expect(outcome.ok && outcome.response.children).toEqual([])
  })

  it('a 10,000-task DAG keeps its status under 1 MiB: finished Pods become rows of status.finishedPods, read back as the same nodes', () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) => ({ name: `t${i}`, template: 'job' }))
    const spec = WorkflowSpec.parse({
      entrypoint: 'd',
      templates: [{ name: 'd', dag: { tasks } }, job],
    })
    const workflow = { name: 'big-workflow-name', namespace: 'default' }
    const first = evaluate({
      workflow,
      spec,
      now: new Date(START),
      memo: emptyMemo(),
      pods: new Map(),
    })
    // Everything finished: the largest the status gets.
    const all = expand(
      workflow.name,
      first.status.nodes as never,
      first.status.finishedPods as never,
    )
    for (const [name, n] of all.nodes)
      if (n.type === 'Pod')
        all.nodes.set(name, {
          ...n,
          phase: 'Succeeded',
          finishedAt: '2026-01-01T00:05:00Z',
          outputs: { exitCode: 0 },
        })
    const done = evaluate({
      workflow,
      spec,
      now: new Date('2026-01-01T00:06:00Z'),
      memo: all,
      pods: new Map(),
      observedStartedAt: START,
    })
    expect(done.status.phase).toBe('Succeeded')
    expect(JSON.stringify(done.status).length).toBeLessThan(1024 * 1024)
    const table = done.status.finishedPods as { rows: unknown[][] }
    expect(table.rows).toHaveLength(10_000)
    // Read back, the status gives the same nodes the engine recorded; the DAG lists each by its id.
    const back = expand(
      workflow.name,
      done.status.nodes as never,
      done.status.finishedPods as never,
    )
    expect(back.nodes.size).toBe(10_001)
    expect(back.nodes.get('big-workflow-name.t42')).toMatchObject({
      name: 'big-workflow-name.t42',
      phase: 'Succeeded',
      startedAt: START,
      finishedAt: '2026-01-01T00:05:00Z',
      outputs: { exitCode: 0 },
      templateName: 'job',
    })
    expect(
      (done.status.nodes as Record<string, { children: string[] }>)['big-workflow-name']!.children,
    ).toContain(nodeId(workflow.name, 'big-workflow-name.t42'))
    // And a sync from that status answers the same status again.
    const again = evaluate({
      workflow,
      spec,
      now: new Date('2026-01-01T00:07:00Z'),
      memo: back,
      pods: new Map(),
      observedStartedAt: START,
      observedFinishedAt: done.status.finishedAt as string,
    })
    expect(JSON.stringify(again.status)).toBe(JSON.stringify(done.status))
  })
})

describe('nothing silently dropped: Argo fields the engine does not run are a 422 naming the feature', () => {
  it.each([
    {
      name: 'a git artifact over ssh with a key',
      reason: 'git runs without ssh keys here; running without the checkout would lose data',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            inputs: {
              artifacts: [
                {
                  name: 'a',
                  path: '/src',
                  git: {
                    repo: 'git@example.com:r.git',
                    sshPrivateKeySecret: { name: 's', key: 'k' },
                  },
                },
              ],
            },
            container: { image: 'alpine' },
          },
        ],
      },
      error:
        /spec\.templates\[0\]\.inputs\.artifacts\[0\]\.git: sshPrivateKeySecret: git sshPrivateKeySecret \(use an https repo with usernameSecret\/passwordSecret\) is not supported/,
    },
    {
      name: 'zip archives',
      reason: 'busybox has unzip but no zip',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            outputs: { artifacts: [{ name: 'a', path: '/out', archive: { zip: {} } }] },
            container: { image: 'alpine' },
          },
        ],
      },
      error:
        /outputs\.artifacts\[0\]\.archive: zip: zip archives \(use tar or none\) is not supported/,
    },
    {
      name: 'a resource manifest from an artifact the template does not take',
      reason: 'kubectl would get no manifest',
      spec: {
        entrypoint: 'j',
        templates: [
          { name: 'j', resource: { action: 'create', manifestFrom: { artifact: { name: 'm' } } } },
        ],
      },
      error: /resource\.manifestFrom\.artifact\.name: m is not an input artifact of the template/,
    },
    {
      name: "a resource condition Argo's syntax cannot say",
      reason: 'a condition that can never be read must not leave a step waiting forever',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            resource: {
              action: 'create',
              manifest: 'kind: Job',
              successCondition: 'status.conditions.#(type=="Complete").status == True',
            },
          },
        ],
      },
      error: /resource\.successCondition: cannot read/,
    },
    {
      name: 'an http successCondition that does not parse',
      reason:
        'a condition that can never be evaluated must not be found out after the request was sent',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            http: { url: 'https://example.com', successCondition: 'response.statusCode ==' },
          },
        ],
      },
      error: /spec\.templates\[0\]\.http\.successCondition: /,
    },
    {
      name: 'a resource template without a manifest',
      reason: 'kubectl needs something to act on',
      spec: { entrypoint: 'j', templates: [{ name: 'j', resource: { action: 'get' } }] },
      error: /resource\.manifest: a resource template needs a manifest/,
    },
    {
      name: 'a database lock on a template',
      reason: 'a template asking for a lock must not run unguarded',
      spec: {
        entrypoint: 'job',
        templates: [{ ...job, synchronization: { mutex: { name: 'm', database: true } } }],
      },
      error: /synchronization\.mutex: database: database-backed locks is not supported/,
    },
    {
      name: 'memoize',
      reason: 'its cache would have to outlive the Workflows that own what a hook creates',
      spec: {
        entrypoint: 'job',
        templates: [{ ...job, memoize: { key: 'k', cache: { configMap: { name: 'c' } } } }],
      },
      error:
        /memoize: memoization \(its cache must outlive the workflows that share it, and a hook can only create objects its own Workflow owns/,
    },
    {
      name: 'a step hook without an expression',
      reason: 'only the hook named exit runs without one',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [[{ name: 'a', template: 'job', hooks: { running: { template: 'job' } } }]],
          },
          job,
        ],
      },
      error:
        /steps\[0\]\[0\]\.hooks\.running: needs an expression \(only the hook named exit runs without one\)/,
    },
    {
      name: 'a misspelt container field',
      reason: 'a typo is not an Argo feature: it is named as unknown',
      spec: {
        entrypoint: 'j',
        templates: [{ name: 'j', container: { image: 'alpine', comand: ['x'] } }],
      },
      error: /container: comand: not a field of a container/,
    },
    {
      name: 'terminationMessagePath',
      reason: 'the executor owns the termination message',
      spec: {
        entrypoint: 'j',
        templates: [{ name: 'j', container: { image: 'alpine', terminationMessagePath: '/x' } }],
      },
      error:
        /terminationMessagePath \(the executor writes the termination message\) is not supported/,
    },
    {
      name: 'an unknown expression function',
      reason: 'a {{=…}} is never passed through literally',
      spec: {
        entrypoint: 'j',
        templates: [
          { name: 'j', container: { image: 'alpine', args: ['{{=sprig.frobnicate(1)}}'] } },
        ],
      },
      error: /container\.args\[0\]: unknown function "sprig\.frobnicate"/,
    },
    {
      name: 'a non-deterministic expression function',
      reason: 'the same request must give the same answer',
      spec: {
        entrypoint: 's',
        templates: [
          {
            name: 's',
            steps: [
              [
                {
                  name: 'a',
                  template: 'job',
                  arguments: { parameters: [{ name: 'x', value: '{{=sprig.now()}}' }] },
                },
              ],
            ],
          },
          job,
        ],
      },
      error: /arguments\.parameters\.x: function "sprig\.now" is not deterministic/,
    },
    {
      name: 'an expression syntax error',
      reason: 'named with its position',
      spec: {
        entrypoint: 's',
        templates: [
          { name: 's', steps: [[{ name: 'a', template: 'job', when: '{{=1 +}}' }]] },
          job,
        ],
      },
      error: /when: .*unexpected/,
    },
    {
      name: 'an output from valueFrom.jsonPath on a container',
      reason: 'jsonPath reads the object a resource template made; a container makes none',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            container: { image: 'busybox', command: ['true'] },
            outputs: { parameters: [{ name: 'uid', valueFrom: { jsonPath: '{.metadata.uid}' } }] },
          },
        ],
      },
      error:
        /spec\.templates\[0\]\.outputs\.parameters\[0\]\.valueFrom\.jsonPath: only a resource template's outputs are read by jsonPath/,
    },
    {
      name: 'valueFrom.supplied outside a suspend template',
      reason: 'only a resumed suspend node is given values',
      spec: {
        entrypoint: 'j',
        templates: [
          {
            name: 'j',
            container: { image: 'busybox', command: ['true'] },
            outputs: { parameters: [{ name: 'x', valueFrom: { supplied: {} } }] },
          },
        ],
      },
      error: /valueFrom\.supplied: only a suspend template's outputs are supplied/,
    },
  ])('$name', async ({ spec, error, reason }) => {
    const outcome = await sync(spec)
    expect(outcome.ok, reason).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(422)
    expect(outcome.message).toMatch(error)
  })

  it('the CRD keeps every field of templates, steps and containers, so the API server never prunes an Argo feature before the hook can refuse it', () => {
    const crd = structuralSchema(WorkflowSpec) as { properties: Record<string, any> }
    const template = crd.properties.templates.items
    expect(crd['x-kubernetes-preserve-unknown-fields' as never]).toBe(true)
    expect(template['x-kubernetes-preserve-unknown-fields']).toBe(true)
    expect(template.properties.container['x-kubernetes-preserve-unknown-fields']).toBe(true)
    expect(template.properties.steps.items.items['x-kubernetes-preserve-unknown-fields']).toBe(true)
    expect(
      template.properties.dag.properties.tasks.items['x-kubernetes-preserve-unknown-fields'],
    ).toBe(true)
    expect(template.properties.inputs['x-kubernetes-preserve-unknown-fields']).toBe(true)
  })
})

describe("status.finishedPods is the engine's memory: an altered one is refused, never read as other nodes", () => {
  it.each([
    {
      name: 'a row that is not a row',
      rows: [['t1', 'Succeeded']],
      error:
        /status\.finishedPods\.rows: rows must be \[parent, displayName, phase, startedAt, finishedAt/,
    },
    {
      name: 'a parent index out of range',
      rows: [[3, 't1', 'Succeeded', 0, 1]],
      error: /finishedPods row t1 names parent 3 of 1/,
    },
  ])('$name', async ({ rows, error }) => {
    const parent = {
      ...wf({ entrypoint: 'job', templates: [job] }),
      status: {
        phase: 'Running',
        startedAt: START,
        nodes: {},
        finishedPods: { fields: [], since: START, parents: ['wf'], rows },
      },
    }
    const out = await runHook(workflow, 'sync', compositeRequest(workflow, { parent }), {
      now: new Date(START),
    })
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.status).toBe(422)
    expect(out.message).toMatch(error)
  })
})
