import { describe, expect, it } from 'vitest'
import mypod from '../../hooks/mypod/index.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { assertDeterministic, assertIdempotent, assertRejected, assertValidBuiltins } from '../../hooks/core/testing/invariants.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { myPodParent, observedPod } from '../fixtures/mypod.ts'

const pod = (sim: Simulation) => sim.cluster.get({ apiVersion: 'v1', kind: 'Pod', name: 'mypod-test', namespace: 'default' }) as
  | (KObject & { spec: { containers: { image: string }[] }; status?: { phase?: string } })
  | undefined
const status = (sim: Simulation) => (sim.parent as { status?: { phase?: string; conditions?: { type: string; status: string; reason: string }[] } }).status

describe('mypod lifecycle (simulated)', () => {
  it('create → Pod created → Running → Ready → spec change → Pod recreated → delete → Pod gone', async () => {
    const sim = new Simulation(mypod, { parent: { ...myPodParent(), metadata: { name: 'mypod-test', namespace: 'default' } } })

    const first = await sim.step()
    expect(first.actions).toContainEqual({ type: 'created', object: 'Pod default/mypod-test' })
    expect(status(sim)?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'PodNotCreated' })

    const started = await sim.run()
    expect(started.converged).toBe(true)
    expect(pod(sim)?.status?.phase).toBe('Running')
    expect(status(sim)).toMatchObject({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', reason: 'PodReady' }] })
    await assertIdempotent(sim)
    await assertValidBuiltins(sim.children())
    const firstUid = pod(sim)!.metadata.uid

    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), image: 'nginx:1.27' } }))
    const changed = await sim.run()
    expect(changed.converged).toBe(true)
    expect(changed.rounds[0]!.actions.map((a) => a.type)).toContain('recreating')
    expect(pod(sim)!.metadata.uid).not.toBe(firstUid)
    expect(pod(sim)!.spec.containers[0]!.image).toBe('nginx:1.27')
    expect(status(sim)).toMatchObject({ phase: 'Running', conditions: [{ status: 'True' }], observedGeneration: 2 })
    await assertIdempotent(sim)

    const deleted = sim.deleteParent()
    expect(deleted.map((a) => `${a.type} ${a.object}`)).toEqual(['removed MyPod default/mypod-test', 'garbage-collected Pod default/mypod-test'])
    expect(sim.objects()).toEqual([])
  })

  it('is deterministic and rejects an invalid spec without a child list', async () => {
    const observed = [observedPod('mypod-test', { phase: 'Running', ready: true })]
    await assertDeterministic(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent(), observed }))
    await assertRejected(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent({ image: 'a b' }), observed }), 422)
  })
})

describe('invariants catch what they promise', () => {
  it('assertValidBuiltins rejects a Pod the API server would reject', async () => {
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'main', image: 5 }] } } as unknown as KObject
    await expect(assertValidBuiltins([bad])).rejects.toThrow(/Pod x fails the Kubernetes schema: .*image must be string/)
  })

  it('assertRejected fails on a 200', async () => {
    await expect(assertRejected(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent() }))).rejects.toThrow(/answered 200 to an invalid request/)
  })

  it('assertIdempotent fails while the world is still moving', async () => {
    const sim = new Simulation(mypod, { parent: myPodParent() })
    await expect(assertIdempotent(sim)).rejects.toThrow(/not idempotent/)
  })
})

describe('mypod conformance', () => {
  it('converges, is idempotent and deterministic, refuses invalid specs, leaves nothing behind', async () => {
    const { checkConformance } = await import('../../hooks/core/testing/conformance.ts')
    const problems = await checkConformance(mypod, {
      parent: { ...myPodParent(), metadata: { name: 'mypod-test', namespace: 'default' } },
      invalidSpecs: [{ image: 'a b' }, { customCommand: "echo 'x" }, { uri: 5 }],
    })
    expect(problems).toEqual([])
  })
})
