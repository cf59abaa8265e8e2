import { describe, expect, it } from 'vitest'
import timecheck from '../../hooks/timecheck/index.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

type Deployment = KObject & {
  spec: { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } }
}

describe('timecheck', () => {
  it('conforms', async () => {
    const problems = await checkConformance(timecheck, {
      parent: one('timecheck-test.yaml'),
      invalidSpecs: [
        { environment: 'TEST' },
        { environment: 'TEST', interval: 0 },
        { environment: '', interval: 10 },
        { environment: 'TEST', interval: 'ten' },
      ],
    })
    expect(problems).toEqual([])
  })

  it('spec edits reach the Deployment in place (the book ignored them)', async () => {
    const sim = new Simulation(timecheck, { parent: one('timecheck-test.yaml') })
    await sim.run()
    const uid = sim.children()[0]!.metadata.uid
    sim.updateParent((p) => ({ ...p, spec: { environment: 'PROD', interval: 30 } }))
    const result = await sim.run()
    expect(result.rounds[0]!.actions).toContainEqual({
      type: 'updated',
      object: 'Deployment default/test',
      detail: 'InPlace',
    })
    const deployment = sim.children()[0] as Deployment
    expect(deployment.metadata.uid).toBe(uid)
    expect(deployment.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'Application__Environment', value: 'PROD' },
      { name: 'Timer__IntervalSeconds', value: '30' },
    ])
    expect(sim.status).toMatchObject({ conditions: [{ type: 'Ready', status: 'True' }] })
  })
})
