import { describe, expect, it } from 'vitest'
import usergroups from '../../hooks/usergroups/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { example, one } from '../fixtures/examples.ts'

const namespaces = (sim: Simulation) =>
  sim
    .children()
    .filter((c) => c.kind === 'Namespace')
    .map((c) => c.metadata.name)

describe('usergroups', () => {
  it('conforms', async () => {
    const problems = await checkConformance(usergroups, {
      parent: one('usergroups.yaml'),
      objects: example('users.yaml'),
      invalidSpecs: [{ clusterRole: 'Not A Role' }, { clusterRole: 'admin' }],
      changes: [{ clusterRole: 'edit' }, {}],
    })
    expect(problems).toEqual([])
  })

  it('keeps one namespace per group with users, as the notes show (kubectl get ns -l kiamol=ch20)', async () => {
    const sim = new Simulation(usergroups, {
      parent: one('usergroups.yaml'),
      objects: example('users.yaml'),
    })
    await sim.run()
    expect(namespaces(sim)).toEqual(['kiamol-ch20-authn-sre', 'kiamol-ch20-authn-test'])
    expect(
      sim
        .children()
        .filter((c) => c.kind === 'RoleBinding')
        .map((c) => `${c.metadata.namespace}/${c.metadata.name}`),
    ).toEqual(['kiamol-ch20-authn-sre/group-view', 'kiamol-ch20-authn-test/group-view'])

    // kubectl apply -f users/update/: sre4 joins sre — no new namespace.
    sim.cluster.create(one('users-update.yaml'))
    await sim.run()
    expect(sim.status).toMatchObject({
      users: 3,
      groups: [
        { name: 'sre', users: 2 },
        { name: 'test', users: 1 },
      ],
    })

    // kubectl delete user tester3: the test namespace goes.
    sim.cluster.remove(
      sim.cluster.get({ apiVersion: 'ch20.kiamol.net/v1', kind: 'User', name: 'tester3' })!,
    )
    const result = await sim.run()
    expect(result.rounds[0]!.actions).toContainEqual({
      type: 'deleted',
      object: 'Namespace kiamol-ch20-authn-test',
    })
    expect(namespaces(sim)).toEqual(['kiamol-ch20-authn-sre'])
  })
})

describe('usergroups: the roles it may grant agree everywhere', () => {
  it("CRD enum = the RoleBinding type's binds = the RBAC that lets Metacontroller bind them", async () => {
    const { crdFor } = await import('../../hooks/core/manifests/crd.ts')
    const { metacontrollerRules } = await import('../../hooks/core/manifests/rbac.ts')
    const { GRANTABLE_CLUSTER_ROLES } = await import('../../hooks/usergroups/schema.ts')
    const crd = crdFor(usergroups) as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: { spec: { properties: { clusterRole: { enum: string[] } } } }
            }
          }
        }[]
      }
    }
    const binding = usergroups.children.find((c) => c.kind === 'RoleBinding')!
    expect(
      crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.clusterRole.enum,
    ).toEqual([...GRANTABLE_CLUSTER_ROLES])
    expect(binding.binds).toEqual({ clusterRoles: GRANTABLE_CLUSTER_ROLES })
    const bind = metacontrollerRules([usergroups]).find((r) => r.verbs.includes('bind'))
    expect(bind).toEqual({
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['clusterroles'],
      resourceNames: [...GRANTABLE_CLUSTER_ROLES].sort(),
      verbs: ['bind'],
    })
  })

  it.each(['view', 'edit'])('every grantable role renders its RoleBinding (%s)', async (role) => {
    const sim = new Simulation(usergroups, {
      parent: { ...one('usergroups.yaml'), spec: { clusterRole: role } },
      objects: example('users.yaml'),
    })
    expect((await sim.run()).converged).toBe(true)
    expect(
      sim
        .children()
        .filter((c) => c.kind === 'RoleBinding')
        .map((c) => (c as { roleRef?: { name?: string } }).roleRef?.name),
    ).toEqual([role, role])
  })
})
