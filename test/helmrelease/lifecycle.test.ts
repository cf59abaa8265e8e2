import { describe, expect, it } from 'vitest'
import helmrelease from '../../hooks/helmrelease/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

const jobs = (sim: Simulation) =>
  sim
    .children()
    .filter((c) => c.kind === 'Job')
    .map((c) => c.metadata.name)

describe('helmrelease', () => {
  it('conforms', async () => {
    const problems = await checkConformance(helmrelease, {
      parent: one('helmrelease-jenkins.yaml'),
      maxRounds: 6,
      invalidSpecs: [
        { chart: { repository: 'ftp://x', name: 'jenkins', version: '1' } },
        { chart: { repository: 'https://x', name: 'Jenkins!', version: '1' } },
        {},
      ],
    })
    expect(problems).toEqual([])
  })

  it('installs with a Job, re-runs on a spec change, uninstalls before it is finalized', async () => {
    const sim = new Simulation(helmrelease, { parent: one('helmrelease-jenkins.yaml') })
    await sim.run()
    const firstJob = jobs(sim)
    expect(firstJob).toHaveLength(1)
    expect(sim.status).toMatchObject({
      chart: 'jenkins-2.3.0',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Deployed' }],
    })
    expect(
      sim
        .children()
        .map((c) => c.kind)
        .sort(),
    ).toEqual(['ConfigMap', 'Job', 'RoleBinding', 'ServiceAccount'])

    sim.updateParent((p) => ({
      ...p,
      spec: { ...(p.spec as object), values: { master: { serviceType: 'ClusterIP' } } },
    }))
    await sim.run()
    expect(jobs(sim)).toHaveLength(1)
    expect(jobs(sim)).not.toEqual(firstJob)

    sim.deleteParent()
    const result = await sim.run()
    const created = result.rounds
      .flatMap((r) => r.actions)
      .filter((a) => a.type === 'created')
      .map((a) => a.object)
    expect(created).toEqual(['Job default/jenkins-uninstall'])
    const finalizedRound = result.rounds.findIndex((r) =>
      r.actions.some((a) => a.type === 'finalized'),
    )
    const uninstallDone = result.rounds.findIndex((r) =>
      r.actions.some(
        (a) =>
          a.type === 'kubelet' &&
          a.object === 'Job default/jenkins-uninstall' &&
          a.detail === 'Complete',
      ),
    )
    expect(finalizedRound).toBeGreaterThan(uninstallDone)
    expect(sim.objects()).toEqual([])
  })

  it('a failing uninstall never finalizes', async () => {
    const sim = new Simulation(helmrelease, {
      parent: one('helmrelease-jenkins.yaml'),
      podOutcome: (job: KObject) => ({
        exitCode: job.metadata.name.endsWith('-uninstall') ? 1 : 0,
      }),
    })
    await sim.run()
    sim.deleteParent()
    await sim.run({ maxRounds: 12 })
    expect(sim.parent).toBeDefined()
    expect(sim.status).toMatchObject({ conditions: [{ reason: 'UninstallFailed' }] })
  })
})
