import { describe, expect, it } from 'vitest'
import todoapp from '../../hooks/todoapp/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { fromBase64 } from '../../hooks/core/k8s/encoding.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

const secretText = (sim: Simulation, name: string, key: string) =>
  fromBase64(
    (
      sim.children().find((c) => c.kind === 'Secret' && c.metadata.name === name) as unknown as {
        data: Record<string, string>
      }
    ).data[key]!,
  )!

describe('todoapp', () => {
  it('conforms', async () => {
    const problems = await checkConformance(todoapp, {
      parent: one('todoapp.yaml'),
      invalidSpecs: [
        { servicePort: 0 },
        { db: { replicas: 0 } },
        { queue: { version: 'latest' } },
        { serviceType: 'Ingress' },
      ],
    })
    expect(problems).toEqual([])
  })

  it('composes the app from our own kinds, with connection strings to the database Services', async () => {
    const sim = new Simulation(todoapp, { parent: one('todoapp.yaml') })
    await sim.run()
    expect(
      sim
        .children()
        .map((c) => `${c.kind} ${c.metadata.name}`)
        .sort(),
    ).toEqual([
      'ConfigMap todo-list-config',
      'Deployment todo-list-save-handler',
      'Deployment todo-list-web',
      'MysqlCluster todo-list-db',
      'NatsCluster todo-list-queue',
      'Secret todo-list-db-secret',
      'Secret todo-list-secret',
      'Service todo-list-web',
    ])
    const password = secretText(sim, 'todo-list-db-secret', 'ROOT_PASSWORD')
    expect(password).toMatch(/^[0-9a-f]{24}$/)
    expect(JSON.parse(secretText(sim, 'todo-list-secret', 'secrets.json'))).toEqual({
      ConnectionStrings: {
        ToDoDb: `server=todo-list-db-mysql-master;database=todo;user=root;password=${password}`,
        'ToDoDb-ReadOnly': `server=todo-list-db-mysql-replicas;database=todo;user=root;password=${password}`,
      },
    })
    // The database and queue have not reported Ready (their own controllers would do that).
    expect(sim.status).toMatchObject({
      parts: { database: false, queue: false, web: true, saveHandler: true },
      conditions: [{ status: 'False', message: 'waiting for database, queue' }],
    })

    for (const kind of ['MysqlCluster', 'NatsCluster']) {
      const part = sim.children().find((c) => c.kind === kind)!
      sim.cluster.update({
        ...part,
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      } as KObject)
    }
    await sim.run()
    expect(sim.status).toMatchObject({ conditions: [{ type: 'Ready', status: 'True' }] })
  })

  it('keeps a password that is already in the Secret', async () => {
    const sim = new Simulation(todoapp, { parent: one('todoapp.yaml') })
    await sim.run()
    const secret = sim.children().find((c) => c.metadata.name === 'todo-list-db-secret')!
    sim.cluster.update({ ...secret, data: { ROOT_PASSWORD: btoa('chosen-by-ops') } } as KObject)
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), web: { replicas: 2 } } }))
    await sim.run()
    expect(secretText(sim, 'todo-list-secret', 'secrets.json')).toContain('password=chosen-by-ops')
  })
})
