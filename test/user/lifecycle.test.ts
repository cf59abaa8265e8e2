import { describe, expect, it } from 'vitest'
import user from '../../hooks/user/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

describe('user', () => {
  it('conforms', async () => {
    const problems = await checkConformance(user, {
      parent: one('users.yaml', 1),
      // The email's format is the API server's to check (format: email), not the hook's.
      invalidSpecs: [{ email: '', group: 'test' }, { email: 'a@b.c', group: 'Test' }, { email: 'a@b.c', group: 'x'.repeat(50) }, { email: 'a@b.c' }],
    })
    expect(problems).toEqual([])
  })

  it('moves the identity when the group changes', async () => {
    const sim = new Simulation(user, { parent: one('users.yaml', 1) })
    await sim.run()
    expect(sim.children().map((c) => `${c.kind} ${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      'Secret kiamol-ch20-authn-test/tester3-token',
      'ServiceAccount kiamol-ch20-authn-test/tester3',
    ])
    sim.updateParent((p) => ({ ...p, spec: { email: 'tester3@kiamol.net', group: 'sre' } }))
    await sim.run()
    expect(sim.children().map((c) => `${c.kind} ${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      'Secret kiamol-ch20-authn-sre/tester3-token',
      'ServiceAccount kiamol-ch20-authn-sre/tester3',
    ])
  })
})
