import { describe, expect, it } from 'vitest'
import jenkins from '../../hooks/jenkins/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

const isClaim = (o: KObject) => o.kind === 'PersistentVolumeClaim'

describe('jenkins', () => {
  it('conforms with dataPolicy Retain: only the JENKINS_HOME claim outlives it', async () => {
    const problems = await checkConformance(jenkins, {
      parent: one('jenkins.yaml'),
      retained: isClaim,
      invalidSpecs: [
        { project: 'kiamol', dataPolicy: 'Orphan' },
        { project: 'kiamol', storage: 'lots' },
        { project: '' },
        { project: 'kiamol', serviceType: 'External' },
        { project: 'kiamol', storage: '0Pi' },
        { project: 'kiamol', storageClassName: 'Yj%|v f$' },
      ],
    })
    expect(problems).toEqual([])
  })

  it.each([
    { policy: 'Retain', left: ['PersistentVolumeClaim default/jenkins-home-jenkins-0'] },
    { policy: 'Delete', left: [] },
  ])('dataPolicy $policy: after delete, left behind: $left', async ({ policy, left }) => {
    const parent = one('jenkins.yaml')
    const sim = new Simulation(jenkins, {
      parent: { ...parent, spec: { ...(parent.spec as object), dataPolicy: policy } } as KObject,
    })
    await sim.run()
    expect(
      sim
        .objects()
        .filter(isClaim)
        .map((c) => c.metadata.name),
    ).toEqual(['jenkins-home-jenkins-0'])
    sim.deleteParent()
    await sim.run()
    expect(
      sim.objects().map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
    ).toEqual(left)
  })

  it('a storage change keeps the created size and says why', async () => {
    const sim = new Simulation(jenkins, { parent: one('jenkins.yaml') })
    await sim.run()
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), storage: '16Gi' } }))
    const result = await sim.run()
    expect(result.converged).toBe(true)
    const sts = sim.children().find((c) => c.kind === 'StatefulSet') as KObject & {
      spec: { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] }
    }
    expect(sts.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('8Gi')
    expect(sim.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'StorageResized', reason: 'Immutable' }),
    )
  })
})
