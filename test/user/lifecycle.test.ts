import type { KObject } from '../../hooks/core/contract/objects.ts'
import { describe, expect, it } from 'vitest'
import user from '../../hooks/user/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

const namespace = (name: string) =>
  ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { kiamol: 'ch20' } },
    status: { phase: 'Active' },
  }) as KObject

describe('user', () => {
  it('conforms', async () => {
    const problems = await checkConformance(user, {
      parent: one('users.yaml', 1),
      objects: [namespace('kiamol-ch20-authn-test')],
      // The email's format is the API server's to check (format: email), not the hook's.
      invalidSpecs: [
        { email: '', group: 'test' },
        { email: 'a@b.c', group: 'Test' },
        { email: 'a@b.c', group: 'x'.repeat(50) },
        { email: 'a@b.c' },
      ],
    })
    expect(problems).toEqual([])
  })

  it('moves the identity when the group changes; waits, keeping the old one, while the new namespace does not exist', async () => {
    const sim = new Simulation(user, {
      parent: one('users.yaml', 1),
      objects: [namespace('kiamol-ch20-authn-test')],
    })
    await sim.run()
    expect(
      sim.children().map((c) => `${c.kind} ${c.metadata.namespace}/${c.metadata.name}`),
    ).toEqual([
      'Secret kiamol-ch20-authn-test/tester3-token',
      'ServiceAccount kiamol-ch20-authn-test/tester3',
    ])
    sim.updateParent((p) => ({ ...p, spec: { email: 'tester3@kiamol.net', group: 'sre' } }))
    const waiting = await sim.run({ maxRounds: 4, followResync: false })
    expect(
      waiting.rounds
        .flatMap((r) => r.actions)
        .filter((a) => a.type === 'refused' || a.type === 'deleted'),
    ).toEqual([])
    expect(sim.status?.conditions[0]).toMatchObject({ reason: 'WaitingForNamespace' })
    expect(
      sim.children().map((c) => `${c.kind} ${c.metadata.namespace}/${c.metadata.name}`),
    ).toEqual([
      'Secret kiamol-ch20-authn-test/tester3-token',
      'ServiceAccount kiamol-ch20-authn-test/tester3',
    ])
    sim.cluster.create(namespace('kiamol-ch20-authn-sre'))
    expect((await sim.run()).converged).toBe(true)
    expect(
      sim.children().map((c) => `${c.kind} ${c.metadata.namespace}/${c.metadata.name}`),
    ).toEqual([
      'Secret kiamol-ch20-authn-sre/tester3-token',
      'ServiceAccount kiamol-ch20-authn-sre/tester3',
    ])
  })
})
