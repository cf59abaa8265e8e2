import { describe, expect, it } from 'vitest'
import usergroups from '../../hooks/usergroups/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { example, one } from '../fixtures/examples.ts'

const namespaces = (sim: Simulation) => sim.children().filter((c) => c.kind === 'Namespace').map((c) => c.metadata.name)

describe('usergroups', () => {
  it('conforms', async () => {
    const problems = await checkConformance(usergroups, {
      parent: one('usergroups.yaml'),
      objects: example('users.yaml'),
      invalidSpecs: [{ clusterRole: 'Not A Role' }],
    })
    expect(problems).toEqual([])
  })

  it('keeps one namespace per group with users, as the notes show (kubectl get ns -l kiamol=ch20)', async () => {
    const sim = new Simulation(usergroups, { parent: one('usergroups.yaml'), objects: example('users.yaml') })
    await sim.run()
    expect(namespaces(sim)).toEqual(['kiamol-ch20-authn-sre', 'kiamol-ch20-authn-test'])
    expect(sim.children().filter((c) => c.kind === 'RoleBinding').map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      'kiamol-ch20-authn-sre/group-view',
      'kiamol-ch20-authn-test/group-view',
    ])

    // kubectl apply -f users/update/: sre4 joins sre — no new namespace.
    sim.cluster.create(one('users-update.yaml'))
    await sim.run()
    expect(sim.status).toMatchObject({ users: 3, groups: [{ name: 'sre', users: 2 }, { name: 'test', users: 1 }] })

    // kubectl delete user tester3: the test namespace goes.
    sim.cluster.remove(sim.cluster.get({ apiVersion: 'ch20.kiamol.net/v1', kind: 'User', name: 'tester3' })!)
    const result = await sim.run()
    expect(result.rounds[0]!.actions).toContainEqual({ type: 'deleted', object: 'Namespace kiamol-ch20-authn-test' })
    expect(namespaces(sim)).toEqual(['kiamol-ch20-authn-sre'])
  })
})
