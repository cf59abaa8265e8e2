import { describe, expect, it } from 'vitest'
import { container, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: exit handlers and continueOn', () => {
  it('continueOn lets a failed step pass; onExit runs after a failure and sees workflow.status', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        onExit: 'notify',
        templates: [
          {
            name: 'main',
            steps: [
              [{ name: 'optional', template: 'job', continueOn: { failed: true } }],
              [{ name: 'required', template: 'job' }],
            ],
          },
          container('job'),
          {
            name: 'notify',
            container: { image: 'alpine:3', args: ['workflow {{workflow.status}}'] },
          },
        ],
      },
      { optional: { exitCode: 1 }, required: { exitCode: 3 } },
    )
    await sim.run()
    expect(phases(sim)).toMatchObject({
      optional: 'Failed',
      required: 'Failed',
      onExit: 'Succeeded',
    })
    expect(sim.status!.phase).toBe('Failed')
    const notify = pods(sim).find(
      (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.onExit',
    ) as unknown as { spec: { containers: { args: string[] }[] } }
    expect(notify.spec.containers[0]!.args).toEqual(['workflow Failed'])
  })
})
