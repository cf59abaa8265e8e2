import { describe, expect, it } from 'vitest'
import natscluster from '../../hooks/natscluster/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { fromBase64 } from '../../hooks/core/k8s/encoding.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

type Sts = KObject & {
  spec: {
    replicas: number
    template: { spec: { containers: { image: string; command: string[] }[] } }
  }
}
const sts = (sim: Simulation) => sim.children().find((c) => c.kind === 'StatefulSet') as Sts
const conf = (sim: Simulation) =>
  fromBase64(
    (sim.children().find((c) => c.kind === 'Secret') as unknown as { data: Record<string, string> })
      .data['nats.conf']!,
  )!

describe('natscluster', () => {
  it('conforms', async () => {
    const problems = await checkConformance(natscluster, {
      parent: one('natscluster.yaml'),
      invalidSpecs: [
        { size: 0, version: '1.3.0' },
        { size: 3, version: 'latest' },
        { size: 3 },
        { size: 3, version: '1.3.0', serverImage: 'nats:2' },
      ],
    })
    expect(problems).toEqual([])
  })

  it("builds the notes' objects: config Secret with routes, client and headless Services, members", async () => {
    const sim = new Simulation(natscluster, { parent: one('natscluster.yaml') })
    await sim.run()
    expect(sim.children().map((c) => `${c.kind} ${c.metadata.name}`)).toEqual([
      'Secret todo-list-queue',
      'Service todo-list-queue',
      'Service todo-list-queue-mgmt',
      'StatefulSet todo-list-queue',
    ])
    expect(conf(sim)).toContain('nats://todo-list-queue-2.todo-list-queue-mgmt.default.svc:6222')
    expect(sts(sim).spec.template.spec.containers[0]!.command[0]).toBe('/gnatsd')
    expect(sim.status).toMatchObject({
      size: 3,
      currentVersion: '1.3.0',
      conditions: [{ type: 'Ready', status: 'True' }],
    })
  })

  it('scales up and down (routes follow), and rolls a new version with an Upgrading condition until done', async () => {
    const sim = new Simulation(natscluster, { parent: one('natscluster.yaml') })
    await sim.run()
    sim.updateParent((p) => ({ ...p, spec: { size: 5, version: '1.3.0' } }))
    await sim.run()
    expect(sts(sim).spec.replicas).toBe(5)
    expect(conf(sim)).toContain('todo-list-queue-4.')
    sim.updateParent((p) => ({ ...p, spec: { size: 2, version: '1.3.0' } }))
    await sim.run()
    expect(sts(sim).spec.replicas).toBe(2)
    expect(conf(sim)).not.toContain('todo-list-queue-2.')

    sim.updateParent((p) => ({ ...p, spec: { size: 2, version: '2.10.18' } }))
    const first = await sim.step()
    expect(first.actions).toContainEqual({
      type: 'updated',
      object: 'StatefulSet default/todo-list-queue',
      detail: 'InPlace',
    })
    expect(sim.status).toMatchObject({ currentVersion: '1.3.0' })
    expect(sim.status!.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Upgrading',
        status: 'True',
        message: 'rolling from 1.3.0 to 2.10.18, one member at a time',
      }),
    )
    await sim.run()
    expect(sts(sim).spec.template.spec.containers[0]!.image).toBe('nats:2.10.18')
    expect(sts(sim).spec.template.spec.containers[0]!.command[0]).toBe('/nats-server')
    expect(sim.status).toMatchObject({
      currentVersion: '2.10.18',
      conditions: [{ type: 'Ready', status: 'True' }],
    })
  })
})
