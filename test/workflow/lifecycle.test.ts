import { describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import workflow from '../../hooks/workflow/index.ts'
import { container, nodes, simulate, wf } from './helpers.ts'

type Node = {
  displayName: string
  phase: string
  name: string
  inputs?: { parameters: Record<string, string> }
  message?: string
}
const node = (sim: ReturnType<typeof simulate>, displayName: string) =>
  Object.values(nodes(sim) as Record<string, Node>).find((n) => n.displayName === displayName)
const notify = {
  name: 'notify',
  inputs: { parameters: [{ name: 'status', value: 'none' }] },
  container: { image: 'alpine:3', command: ['sh', '-c', 'echo {{inputs.parameters.status}}'] },
}

describe('workflow: lifecycle hooks', () => {
  it("the workflow's hooks (Argo's notification example): `running` once when the expression first holds, `exit` as the exit handler with arguments", async () => {
    const sim = simulate({
      entrypoint: 'main',
      hooks: {
        exit: {
          template: 'notify',
          arguments: { parameters: [{ name: 'status', value: '{{workflow.status}}' }] },
        },
        running: {
          expression: 'workflow.status == "Running"',
          template: 'notify',
          arguments: { parameters: [{ name: 'status', value: 'started' }] },
        },
      },
      templates: [
        {
          name: 'main',
          steps: [[{ name: 'step1', template: 'job' }], [{ name: 'step2', template: 'job' }]],
        },
        container('job'),
        notify,
      ],
    })
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status!.phase).toBe('Succeeded')
    expect(node(sim, 'hooks.running')).toMatchObject({
      name: 'wf.hooks.running',
      phase: 'Succeeded',
      inputs: { parameters: { status: 'started' } },
    })
    expect(node(sim, 'onExit')).toMatchObject({
      phase: 'Succeeded',
      inputs: { parameters: { status: 'Succeeded' } },
    })
    // Ran once: one Pod each.
    expect(
      sim
        .objects()
        .filter(
          (o) =>
            o.kind === 'Pod' &&
            o.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.hooks.running',
        ),
    ).toHaveLength(1)
  })

  it('a hook that fires when the workflow succeeds is waited for; one that fails is ignored, as Argo ignores a Failed hook', async () => {
    const sim = simulate(
      {
        entrypoint: 'job',
        hooks: {
          done: { expression: 'workflow.status == "Succeeded"', template: 'notify' },
          never: { expression: 'workflow.status == "Failed"', template: 'notify' },
        },
        templates: [container('job'), notify],
      },
      { done: { exitCode: 1 } },
    )
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status!.phase).toBe('Succeeded')
    expect(node(sim, 'hooks.done')?.phase).toBe('Failed')
    expect(node(sim, 'hooks.never')).toBeUndefined()
    // The workflow waited for the hook: it ended after the hook, which started after the job ended.
    const all = nodes(sim) as Record<string, Node & { startedAt: string; finishedAt: string }>
    const job = all.wf!
    const hook = Object.values(all).find((n) => n.displayName === 'hooks.done')!
    expect(hook.startedAt >= job.finishedAt).toBe(true)
    expect(sim.status!.finishedAt >= hook.finishedAt).toBe(true)
    expect(hook.finishedAt > job.finishedAt).toBe(true)
  })

  it('an expression that cannot be worked out makes the workflow an Error, the same way at every sync', async () => {
    const sim = simulate({
      entrypoint: 'job',
      hooks: { odd: { expression: 'asInt("x") > 1', template: 'notify' } },
      templates: [container('job'), notify],
    })
    await sim.run()
    expect(sim.status).toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(/^lifecycle hook odd: its expression asInt\("x"\) > 1: /),
    })
  })

  it("a step's exit hook runs after the step, with its arguments, like onExit", async () => {
    const sim = simulate({
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [
              {
                name: 'a',
                template: 'job',
                hooks: {
                  exit: {
                    template: 'notify',
                    arguments: { parameters: [{ name: 'status', value: 'a is done' }] },
                  },
                },
              },
            ],
          ],
        },
        container('job'),
        notify,
      ],
    })
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(node(sim, 'a.onExit')).toMatchObject({
      phase: 'Succeeded',
      inputs: { parameters: { status: 'a is done' } },
    })
  })

  it("a step's hooks (Argo's template-level example): each runs once when its expression first holds, and the next steps wait for them", async () => {
    const hooks = (step: string, quoted: boolean) => ({
      running: {
        expression: quoted
          ? `steps["${step}"].status == "Running"`
          : `steps.${step}.status == "Running"`,
        template: 'notify',
      },
      success: {
        expression: quoted
          ? `steps["${step}"].status == "Succeeded"`
          : `steps.${step}.status == "Succeeded"`,
        template: 'notify',
      },
    })
    const sim = simulate({
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'step-1', template: 'job', hooks: hooks('step-1', true) }],
            [{ name: 'step2', template: 'job', hooks: hooks('step2', false) }],
          ],
        },
        container('job'),
        notify,
      ],
    })
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status!.phase).toBe('Succeeded')
    const all = nodes(sim) as Record<string, Node & { startedAt: string; finishedAt: string }>
    for (const name of [
      'step-1.hooks.running',
      'step-1.hooks.success',
      'step2.hooks.running',
      'step2.hooks.success',
    ])
      expect(node(sim, name)?.phase, name).toBe('Succeeded')
    // step2 started only after step-1's success hook ended.
    const hook = Object.values(all).find((n) => n.displayName === 'step-1.hooks.success')!
    const step2 = Object.values(all).find((n) => n.displayName === 'step2')!
    expect(step2.startedAt >= hook.finishedAt).toBe(true)
  })

  it("a task's hook that cannot be worked out makes the task an Error (its DAG fails); one that ends Failed is ignored", async () => {
    const sim = simulate(
      {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            dag: {
              tasks: [
                {
                  name: 'a',
                  template: 'job',
                  hooks: {
                    done: { expression: 'tasks.a.status == "Succeeded"', template: 'notify' },
                  },
                },
                {
                  name: 'b',
                  template: 'job',
                  dependencies: ['a'],
                  hooks: { odd: { expression: 'asInt("x") > 1', template: 'notify' } },
                },
              ],
            },
          },
          container('job'),
          notify,
        ],
      },
      { done: { exitCode: 1 } },
    )
    await sim.run()
    expect(node(sim, 'a.hooks.done')?.phase).toBe('Failed')
    expect(sim.status).toMatchObject({ phase: 'Error', message: 'task b error' })
  })

  const invalid: { name: string; spec: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'a workflow hook without an expression',
      spec: {
        entrypoint: 'job',
        hooks: { running: { template: 'job' } },
        templates: [container('job')],
      },
      error:
        /spec\.hooks\.running: needs an expression \(only the hook named exit runs without one\)/,
    },
    {
      name: 'an exit hook with an expression',
      spec: {
        entrypoint: 'job',
        hooks: { exit: { template: 'job', expression: 'true' } },
        templates: [container('job')],
      },
      error: /spec\.hooks\.exit\.expression: the exit hook runs when what it is attached to ends/,
    },
    {
      name: 'onExit and hooks.exit',
      spec: {
        entrypoint: 'job',
        onExit: 'job',
        hooks: { exit: { template: 'job' } },
        templates: [container('job')],
      },
      error: /spec\.hooks\.exit: use onExit or hooks\.exit, not both/,
    },
    {
      name: 'an unknown hook template',
      spec: {
        entrypoint: 'job',
        hooks: { x: { template: 'nope', expression: 'true' } },
        templates: [container('job')],
      },
      error: /spec\.hooks\.x\.template: unknown template "nope"/,
    },
    {
      name: 'a hook expression that does not parse',
      spec: {
        entrypoint: 'job',
        hooks: { x: { template: 'job', expression: 'workflow.status ==' } },
        templates: [container('job')],
      },
      error: /spec\.hooks\.x\.expression: /,
    },
    {
      name: 'a hook missing an argument its template needs',
      spec: {
        entrypoint: 'job',
        hooks: { x: { template: 'needs', expression: 'true' } },
        templates: [
          container('job'),
          {
            name: 'needs',
            inputs: { parameters: [{ name: 'p' }] },
            container: { image: 'alpine:3', command: ['true'] },
          },
        ],
      },
      error: /spec\.hooks\.x\.arguments: template "needs" needs parameter "p"/,
    },
  ]
  it.each(invalid)('422: $name', async ({ spec, error }) => {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: wf(spec) }),
      { now: new Date('2026-01-01T00:00:00Z') },
    )
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    expect(outcome.ok ? '' : outcome.message).toMatch(error)
  })
})
