import { describe, expect, it } from 'vitest'
import mysqlcluster from '../../hooks/mysqlcluster/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { secretData } from '../../hooks/core/k8s/encoding.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { example } from '../fixtures/examples.ts'

const [userSecretFromFile, cluster] = example('mysqlcluster.yaml') as [KObject, KObject]
// As the API server stores it: stringData becomes base64 data.
const userSecret = {
  ...userSecretFromFile,
  stringData: undefined,
  data: secretData({ ROOT_PASSWORD: 'kiamol-2*2*' }),
} as unknown as KObject

describe('mysqlcluster', () => {
  it('conforms (with the user Secret)', async () => {
    const problems = await checkConformance(mysqlcluster, {
      parent: cluster,
      objects: [userSecret],
      invalidSpecs: [
        { replicas: 2 },
        { secretName: 'todo-db-secret', replicas: 0 },
        { secretName: 'todo-db-secret', backupSchedule: 'nightly' },
        { secretName: 'Bad_Name' },
        { secretName: 'todo-db-secret', storage: '0Gi' },
        { secretName: 'todo-db-secret', resources: { requests: { 'not a resource': '1' } } },
      ],
    })
    expect(problems).toEqual([])
  })

  it("creates the notes' objects, and a backup CronJob when scheduled", async () => {
    const sim = new Simulation(mysqlcluster, {
      parent: {
        ...cluster,
        spec: { ...(cluster.spec as object), backupSchedule: '0 3 * * *' },
      } as KObject,
      objects: [userSecret],
    })
    await sim.run()
    expect(sim.children().map((c) => `${c.kind} ${c.metadata.name}`)).toEqual([
      'ConfigMap todo-db-mysql',
      'CronJob todo-db-mysql-backup',
      'PersistentVolumeClaim todo-db-mysql-backups',
      'PodDisruptionBudget todo-db-mysql',
      'Service todo-db-mysql',
      'Service todo-db-mysql-master',
      'Service todo-db-mysql-replicas',
      'StatefulSet todo-db-mysql',
    ])
    expect(sim.status).toMatchObject({
      readyReplicas: 2,
      conditions: [{ type: 'Ready', status: 'True' }],
    })
  })

  it('without the Secret: creates nothing, says why; once it exists, proceeds', async () => {
    const sim = new Simulation(mysqlcluster, { parent: cluster })
    await sim.run()
    expect(sim.children()).toEqual([])
    expect(sim.status).toMatchObject({
      conditions: [{ type: 'Ready', status: 'False', reason: 'SecretMissing' }],
    })
    sim.cluster.create(userSecret)
    await sim.run()
    expect(sim.children().length).toBe(6)
  })

  it('a Secret that loses ROOT_PASSWORD deletes nothing that exists', async () => {
    const sim = new Simulation(mysqlcluster, { parent: cluster, objects: [userSecret] })
    await sim.run()
    const before = sim.children().map((c) => c.metadata.uid)
    const secret = sim.cluster.get({
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'todo-db-secret',
      namespace: 'default',
    })!
    sim.cluster.update({ ...secret, data: {} } as KObject)
    const result = await sim.run()
    expect(result.rounds.flatMap((r) => r.actions).filter((a) => a.type === 'deleted')).toEqual([])
    expect(sim.children().map((c) => c.metadata.uid)).toEqual(before)
    expect(sim.status).toMatchObject({
      conditions: [
        {
          reason: 'RootPasswordMissing',
          message: 'Secret todo-db-secret has no ROOT_PASSWORD key',
        },
      ],
    })
  })
})
