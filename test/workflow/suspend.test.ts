import { describe, expect, it } from 'vitest'
import { container, nodes, phases, simulate } from './helpers.ts'

describe('workflow: suspend templates', () => {
  it('suspend: a duration resumes on its own through resyncAfterSeconds; without one, spec.resume resumes it', async () => {
    const timed = simulate({
      entrypoint: 's',
      templates: [
        {
          name: 's',
          steps: [[{ name: 'wait', template: 'pause' }], [{ name: 'go', template: 'job' }]],
        },
        { name: 'pause', suspend: { duration: '90s' } },
        container('job'),
      ],
    })
    const result = await timed.run()
    expect(timed.status!.phase).toBe('Succeeded')
    expect(result.rounds.find((r) => r.resyncAfterSeconds)!.resyncAfterSeconds).toBeLessThanOrEqual(
      90,
    )
    expect(Object.values(nodes(timed)).find((n) => n.displayName === 'wait')!.finishedAt).toBe(
      '2026-01-01T00:01:30Z',
    )

    const manual = simulate({
      entrypoint: 's',
      templates: [
        {
          name: 's',
          steps: [[{ name: 'approve', template: 'pause' }], [{ name: 'go', template: 'job' }]],
        },
        { name: 'pause', suspend: {} },
        container('job'),
      ],
    })
    await manual.run()
    expect(manual.status!.phase).toBe('Running')
    expect(phases(manual).approve).toBe('Running')
    manual.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), resume: ['approve'] } }))
    await manual.run()
    expect(manual.status!.phase).toBe('Succeeded')
  })

  it('a suspend duration may be an expression (`{{=…}}`), worked out from the inputs it is called with', async () => {
    const sim = simulate({
      entrypoint: 's',
      templates: [
        {
          name: 's',
          steps: [
            [
              {
                name: 'wait',
                template: 'pause',
                arguments: { parameters: [{ name: 'minutes', value: '2' }] },
              },
            ],
            [{ name: 'go', template: 'job' }],
          ],
        },
        {
          name: 'pause',
          inputs: { parameters: [{ name: 'minutes' }] },
          suspend: { duration: '{{=string(asInt(inputs.parameters.minutes) * 60)}}' },
        },
        container('job'),
      ],
    })
    const result = await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(result.rounds.find((r) => r.resyncAfterSeconds)!.resyncAfterSeconds).toBe(120)
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'wait')!.finishedAt).toBe(
      '2026-01-01T00:02:00Z',
    )
  })
})
