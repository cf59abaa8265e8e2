import { describe, expect, it } from 'vitest'
import { nodes, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: retryStrategy', () => {
  it('retryStrategy: backoff grows by factor, driven by resyncAfterSeconds; succeeds on the third attempt', async () => {
    const sim = simulate(
      {
        entrypoint: 'flaky',
        templates: [
          {
            name: 'flaky',
            retryStrategy: {
              limit: 3,
              retryPolicy: 'OnFailure',
              backoff: { duration: '10s', factor: 2 },
            },
            container: { image: 'alpine:3' },
          },
        ],
      },
      { wf: [{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 0 }] },
    )
    const result = await sim.run({ maxRounds: 40 })
    expect(result.converged).toBe(true)
    expect(sim.status).toMatchObject({ phase: 'Succeeded' })
    expect(phases(sim)).toMatchObject({
      'wf(0)': 'Failed',
      'wf(1)': 'Failed',
      'wf(2)': 'Succeeded',
      wf: 'Succeeded',
    })
    const resyncs = result.rounds.map((r) => r.resyncAfterSeconds).filter((x) => x !== undefined)
    // Woken by resyncAfterSeconds for the rest of each backoff (10 s, then 20 s after each failure).
    expect(resyncs.some((x) => x! > 0 && x! <= 10)).toBe(true)
    expect(resyncs.some((x) => x! > 10 && x! <= 20)).toBe(true)
    const attempts = Object.values(nodes(sim))
      .filter((n) => n.type === 'Pod')
      .sort((a, b) => (a.startedAt! < b.startedAt! ? -1 : 1))
    // The second attempt starts at least 10 s after the first failed, the third at least 20 s after the second.
    expect(
      Date.parse(attempts[1]!.startedAt!) - Date.parse(attempts[0]!.finishedAt!),
    ).toBeGreaterThanOrEqual(10_000)
    expect(
      Date.parse(attempts[2]!.startedAt!) - Date.parse(attempts[1]!.finishedAt!),
    ).toBeGreaterThanOrEqual(20_000)
  })

  it('retryPolicy OnError does not retry a failure; the limit ends retries', async () => {
    const sim = simulate(
      {
        entrypoint: 'x',
        templates: [
          {
            name: 'x',
            retryStrategy: { limit: 2, retryPolicy: 'OnError' },
            container: { image: 'alpine:3' },
          },
        ],
      },
      { wf: { exitCode: 1 } },
    )
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    expect(Object.values(nodes(sim)).filter((n) => n.type === 'Pod')).toHaveLength(1)

    const always = simulate(
      {
        entrypoint: 'x',
        templates: [
          {
            name: 'x',
            retryStrategy: { limit: 2, retryPolicy: 'Always' },
            container: { image: 'alpine:3' },
          },
        ],
      },
      { wf: { exitCode: 1 } },
    )
    await always.run({ maxRounds: 30 })
    expect(always.status).toMatchObject({ phase: 'Failed' })
    expect(Object.values(nodes(always)).filter((n) => n.type === 'Pod')).toHaveLength(3)
    expect(nodes(always).wf!.message).toMatch(/retry limit 2 reached/)
  })
})

describe('workflow: retryStrategy.affinity', () => {
  it("nodeAntiAffinity keeps a retry off the machines earlier attempts ran on (added to the template's own required terms)", async () => {
    const sim = simulate(
      {
        entrypoint: 'x',
        templates: [
          {
            name: 'x',
            retryStrategy: { limit: 2, affinity: { nodeAntiAffinity: {} } },
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: 'pool', operator: 'In', values: ['batch'] }] },
                  ],
                },
              },
            },
            container: { image: 'busybox', command: ['false'] },
          },
        ],
      },
      { wf: [{ exitCode: 1 }, { exitCode: 0 }] },
    )
    await sim.step()
    // The scheduler put the first attempt on node-a.
    const first = pods(sim)[0]!
    sim.cluster.update({
      ...first,
      spec: { ...(first as unknown as { spec: object }).spec, nodeName: 'node-a' },
    } as never)
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    const second = pods(sim).find(
      (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf(1)',
    ) as unknown as { spec: { affinity: unknown } }
    expect(second.spec.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'pool', operator: 'In', values: ['batch'] },
                { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['node-a'] },
              ],
            },
          ],
        },
      },
    })
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'wf(0)')!.hostNodeName).toBe(
      'node-a',
    )
  })
})
