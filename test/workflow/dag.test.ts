import { describe, expect, it } from 'vitest'
import { container, nodes, phases, simulate } from './helpers.ts'

describe('workflow: dag templates', () => {
  it('dag: dependencies and depends expressions, with an error handler on failure', async () => {
    const sim = simulate(
      {
        entrypoint: 'diamond',
        templates: [
          {
            name: 'diamond',
            dag: {
              tasks: [
                { name: 'A', template: 'job' },
                { name: 'B', template: 'job', dependencies: ['A'] },
                { name: 'C', template: 'job', dependencies: ['A'] },
                { name: 'D', template: 'job', depends: 'B && C' },
                { name: 'on-failure', template: 'job', depends: 'C.Failed' },
                {
                  name: 'after-all',
                  template: 'job',
                  depends: '(D.Succeeded || D.Omitted) && !B.Failed',
                },
              ],
            },
          },
          container('job'),
        ],
      },
      { C: { exitCode: 2, message: 'boom' } },
    )
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(phases(sim)).toMatchObject({
      A: 'Succeeded',
      B: 'Succeeded',
      C: 'Failed',
      D: 'Omitted',
      'on-failure': 'Succeeded',
      'after-all': 'Succeeded',
    })
    // C's failure is handled by on-failure (depends C.Failed), so the DAG succeeds.
    expect(sim.status!.phase).toBe('Succeeded')
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'C')!.outputs).toMatchObject({
      exitCode: 2,
    })
  })

  it('dag: failFast stops scheduling after an unhandled failure; target runs only what it needs', async () => {
    const failing = simulate(
      {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            dag: {
              tasks: [
                { name: 'bad', template: 'job' },
                { name: 'slow', template: 'job' },
                { name: 'later', template: 'job', dependencies: ['slow'] },
              ],
            },
          },
          container('job'),
        ],
      },
      { bad: { exitCode: 1 } },
    )
    await failing.run()
    expect(failing.status).toMatchObject({ phase: 'Failed', message: 'task bad failed' })
    expect(phases(failing).later).toBeUndefined()

    const targeted = simulate({
      entrypoint: 'd',
      templates: [
        {
          name: 'd',
          dag: {
            target: 'B',
            tasks: [
              { name: 'A', template: 'job' },
              { name: 'B', template: 'job', dependencies: ['A'] },
              { name: 'C', template: 'job' },
            ],
          },
        },
        container('job'),
      ],
    })
    await targeted.run()
    expect(Object.keys(phases(targeted)).sort()).toEqual(['A', 'B', 'wf'])
    expect(targeted.status!.phase).toBe('Succeeded')
  })
})
