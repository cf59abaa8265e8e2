import { describe, expect, it } from 'vitest'
import { emptyMemo, expand } from '../../hooks/workflow/compact.ts'
import { evaluate } from '../../hooks/workflow/engine.ts'
import { WorkflowSpec } from '../../hooks/workflow/schema.ts'
import { START, container, phases, pods, simulate } from './helpers.ts'

describe('workflow: steps templates', () => {
  it('steps: outer lists run in sequence, inner lists in parallel; outputs flow to later steps', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            steps: [
              [{ name: 'hello', template: 'say' }],
              [
                {
                  name: 'a',
                  template: 'echo',
                  arguments: {
                    parameters: [{ name: 'text', value: '{{steps.hello.outputs.result}}-a' }],
                  },
                },
                {
                  name: 'b',
                  template: 'echo',
                  arguments: { parameters: [{ name: 'text', value: 'b' }] },
                },
              ],
            ],
          },
          container('say'),
          {
            name: 'echo',
            inputs: { parameters: [{ name: 'text' }] },
            container: { image: 'alpine:3', args: ['{{inputs.parameters.text}}'] },
          },
        ],
      },
      { hello: { exitCode: 0, message: 'hi' } },
    )
    const first = await sim.step()
    expect(first.actions.filter((a) => a.type === 'created')).toHaveLength(1)
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status).toMatchObject({ phase: 'Succeeded', progress: '3/3' })
    expect(phases(sim)).toMatchObject({
      hello: 'Succeeded',
      a: 'Succeeded',
      b: 'Succeeded',
      '[0]': 'Succeeded',
      '[1]': 'Succeeded',
    })
    const a = pods(sim).find(
      (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf[1].a',
    ) as unknown as { spec: { containers: { args: string[] }[] } } | undefined
    expect(a!.spec.containers[0]!.args).toEqual(['hi-a'])
    // a and b were created in the same round: the inner list runs in parallel.
    const createdRounds = result.rounds
      .filter((r) => r.actions.some((x) => x.type === 'created'))
      .map((r) => r.actions.filter((x) => x.type === 'created').length)
    expect(createdRounds[0]).toBe(2)
  })
  it('coin flip: when chooses the branch from an output', async () => {
    for (const side of ['heads', 'tails']) {
      const sim = simulate(
        {
          entrypoint: 'coinflip',
          templates: [
            {
              name: 'coinflip',
              steps: [
                [{ name: 'flip', template: 'flip' }],
                [
                  {
                    name: 'heads',
                    template: 'job',
                    when: '{{steps.flip.outputs.result}} == heads',
                  },
                  {
                    name: 'tails',
                    template: 'job',
                    when: "'{{steps.flip.outputs.result}}' == 'tails'",
                  },
                ],
              ],
            },
            {
              name: 'flip',
              script: {
                image: 'python:3-alpine',
                command: ['python'],
                source: 'import random\nprint(random.choice(["heads","tails"]))',
              },
            },
            container('job'),
          ],
        },
        { flip: { exitCode: 0, message: side } },
      )
      await sim.run()
      expect(phases(sim)[side]).toBe('Succeeded')
      expect(phases(sim)[side === 'heads' ? 'tails' : 'heads']).toBe('Skipped')
      expect(sim.status!.phase).toBe('Succeeded')
    }
  })

  it('a recursion whose when never turns false ends in an Error node at depth 100 (as Argo), not in a hook that never answers', () => {
    const spec = WorkflowSpec.parse({
      entrypoint: 'again',
      templates: [
        {
          name: 'again',
          steps: [
            [{ name: 'work', template: 'job' }],
            [{ name: 'deeper', template: 'again', when: '{{steps.work.status}} == Succeeded' }],
          ],
        },
        container('job'),
      ],
    })
    const workflow = { name: 'wf', namespace: 'default' }
    // Each sync: every Pod asked for has succeeded (and is gone) by the next one.
    let memo = emptyMemo()
    let out = evaluate({ workflow, spec, now: new Date(START), memo, pods: new Map() })
    for (let sync = 0; sync < 150 && out.status.phase === 'Running'; sync++) {
      memo = expand(workflow.name, out.status.nodes as never, out.status.finishedPods as never)
      for (const [name, n] of memo.nodes)
        if (n.type === 'Pod' && n.phase === 'Pending')
          memo.nodes.set(name, {
            ...n,
            phase: 'Succeeded',
            finishedAt: START,
            outputs: { exitCode: 0 },
          })
      out = evaluate({
        workflow,
        spec,
        now: new Date(START),
        memo,
        pods: new Map(),
        observedStartedAt: START,
      })
    }
    expect(out.status.phase).toBe('Error')
    const all = expand(workflow.name, out.status.nodes as never, out.status.finishedPods as never)
    const cut = [...all.nodes.values()].filter((n) =>
      n.message?.startsWith('maximum recursion depth'),
    )
    expect(cut).toEqual([
      expect.objectContaining({
        phase: 'Error',
        message: expect.stringMatching(/^maximum recursion depth \(100\) exceeded/),
      }),
    ])
    // Levels 1 to 99 each ran their Pod; the 100th level's Pod is the one cut.
    expect(
      [...all.nodes.values()].filter((n) => n.type === 'Pod' && n.phase === 'Succeeded'),
    ).toHaveLength(99)
  })
})
