import { describe, expect, it } from 'vitest'
import { container, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: the whole evaluation (parallelism, deadlines, shutdown, suspend)', () => {
  it('parallelism caps running Pods (workflow level)', async () => {
    const sim = simulate({
      entrypoint: 'fan',
      parallelism: 2,
      templates: [
        { name: 'fan', steps: [[{ name: 'n', template: 'job', withItems: [1, 2, 3, 4, 5] }]] },
        container('job'),
      ],
    })
    let most = 0
    for (let i = 0; i < 30 && sim.status?.phase !== 'Succeeded'; i++) {
      await sim.step()
      most = Math.max(
        most,
        pods(sim).filter(
          (p) =>
            !['Succeeded', 'Failed'].includes(
              (p as { status?: { phase?: string } }).status?.phase ?? '',
            ),
        ).length,
      )
    }
    expect(sim.status!.phase).toBe('Succeeded')
    expect(most).toBe(2)
  })

  it('template parallelism caps a loop; an output parameter file travels back through the executor', async () => {
    const sim = simulate(
      {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            parallelism: 1,
            dag: {
              tasks: [
                { name: 'gen', template: 'gen' },
                {
                  name: 'use',
                  template: 'use',
                  dependencies: ['gen'],
                  arguments: {
                    parameters: [{ name: 'v', value: '{{tasks.gen.outputs.parameters.version}}' }],
                  },
                },
                {
                  name: 'many',
                  template: 'use',
                  withItems: ['a', 'b', 'c'],
                  arguments: { parameters: [{ name: 'v', value: '{{item}}' }] },
                },
              ],
            },
          },
          {
            name: 'gen',
            outputs: { parameters: [{ name: 'version', valueFrom: { path: '/tmp/version' } }] },
            container: { image: 'alpine:3', command: ['sh', '-c', 'echo 1.2.3 > /tmp/version'] },
          },
          {
            name: 'use',
            inputs: { parameters: [{ name: 'v' }] },
            container: { image: 'alpine:3', args: ['{{inputs.parameters.v}}'] },
          },
        ],
      },
      { gen: { exitCode: 0, files: { '/tmp/version': '1.2.3\n' } } },
    )
    let most = 0
    for (let i = 0; i < 40 && sim.status?.phase !== 'Succeeded'; i++) {
      await sim.step()
      most = Math.max(
        most,
        pods(sim).filter(
          (p) =>
            !['Succeeded', 'Failed'].includes(
              (p as { status?: { phase?: string } }).status?.phase ?? '',
            ),
        ).length,
      )
    }
    expect(sim.status!.phase).toBe('Succeeded')
    expect(most).toBe(1)
    const use = pods(sim).find(
      (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.use',
    ) as unknown as { spec: { containers: { args: string[] }[] } }
    expect(use.spec.containers[0]!.args).toEqual(['1.2.3'])
  })
  it('activeDeadlineSeconds fails the workflow and stops its Pods — after recording them', async () => {
    const sim = simulate({
      entrypoint: 'x',
      activeDeadlineSeconds: 30,
      templates: [{ name: 'x', suspend: {} }, container('job')],
    })
    const longRunning = simulate({
      entrypoint: 'x',
      activeDeadlineSeconds: 30,
      templates: [container('x')],
    })
    await longRunning.step()
    await longRunning.step()
    expect(pods(longRunning)).toHaveLength(1)
    longRunning.cluster.now += 60_000
    const hit = await longRunning.step()
    expect(longRunning.status).toMatchObject({
      phase: 'Failed',
      message: 'the workflow exceeded its activeDeadlineSeconds',
    })
    expect(hit.actions.some((a) => a.type === 'deleted')).toBe(false)
    const next = await longRunning.step()
    expect(next.actions.map((a) => a.type)).toContain('deleted')
    // A deadline also ends a suspended workflow, through its own resync.
    const result = await sim.run()
    expect(result.rounds.at(-1)!.time >= '2026-01-01T00:00:30Z').toBe(true)
    expect(sim.status!.phase).toBe('Failed')
  })

  it('shutdown Stop lets running Pods finish and schedules nothing new; Terminate stops them', async () => {
    const spec = {
      entrypoint: 'm',
      templates: [
        {
          name: 'm',
          steps: [[{ name: 'one', template: 'job' }], [{ name: 'two', template: 'job' }]],
        },
        { ...container('job'), container: { image: 'alpine:3' } },
      ],
    }
    const stop = simulate(spec)
    await stop.step()
    stop.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), shutdown: 'Stop' } }))
    await stop.run()
    expect(phases(stop)).toMatchObject({ one: 'Succeeded' })
    expect(phases(stop).two).toBeUndefined()
    expect(stop.status).toMatchObject({ phase: 'Failed', message: 'the workflow was stopped' })

    const terminate = simulate(spec)
    await terminate.step()
    await terminate.step()
    terminate.updateParent((p) => ({
      ...p,
      spec: { ...(p.spec as object), shutdown: 'Terminate' },
    }))
    await terminate.run()
    expect(terminate.status!.phase).toBe('Failed')
    expect(phases(terminate).one).toBe('Failed')
    expect(pods(terminate)).toEqual([])
  })

  it('spec.suspend pauses scheduling; resuming continues', async () => {
    const sim = simulate({
      entrypoint: 'm',
      suspend: true,
      templates: [{ name: 'm', steps: [[{ name: 'one', template: 'job' }]] }, container('job')],
    })
    await sim.run()
    expect(pods(sim)).toEqual([])
    expect(sim.status).toMatchObject({ message: 'suspended: set spec.suspend to false to resume' })
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), suspend: false } }))
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
  })
})
