import { describe, expect, it } from 'vitest'
import mypod from '../../hooks/mypod/index.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import {
  assertDeterministic,
  assertIdempotent,
  assertRejected,
  assertValidBuiltins,
} from '../../hooks/core/testing/invariants.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { myPodParent, observedPod, NOTES_POD, podNameFor } from '../fixtures/mypod.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'

type SimPod = KObject & { spec: { containers: { image: string }[] }; status?: { phase?: string } }
const pods = (sim: Simulation) => sim.objects().filter((o) => o.kind === 'Pod') as SimPod[]
const status = (sim: Simulation) =>
  (
    sim.parent as {
      status?: {
        podName?: string
        phase?: string
        conditions?: { type: string; status: string; reason: string }[]
      }
    }
  ).status
const parent = () => ({ ...myPodParent(), metadata: { name: 'mypod-test', namespace: 'default' } })
const newImage = (p: KObject) => ({ ...p, spec: { ...(p.spec as object), image: 'nginx:1.27' } })

/** The design before: the Pod named after its MyPod, replaced by Metacontroller's Recreate. */
const recreateDesign: ControllerDefinition = {
  ...mypod,
  children: mypod.children.map((c) => ({ ...c, updateStrategy: { method: 'Recreate' } })),
  sync: async (ctx: Parameters<typeof mypod.sync>[0]) => {
    const { children, status } = await mypod.sync(ctx)
    const named = children.map((c) => ({
      ...c,
      metadata: { ...c.metadata, name: ctx.parent.metadata.name },
    }))
    return { children: named, status }
  },
} as ControllerDefinition

describe.each(['dynamic-apply', 'server-side-apply'] as const)(
  'mypod lifecycle under %s (simulated)',
  (applyStrategy) => {
    it('create → Pod created → Running → Ready → spec change → new Pod, old one deleted → delete → Pod gone', async () => {
      const sim = new Simulation(mypod, { parent: parent(), applyStrategy })

      const first = await sim.step()
      expect(first.actions).toContainEqual({ type: 'created', object: `Pod default/${NOTES_POD}` })
      expect(status(sim)?.conditions?.[0]).toMatchObject({
        type: 'Ready',
        status: 'False',
        reason: 'PodNotCreated',
      })

      const started = await sim.run()
      expect(started.converged).toBe(true)
      expect(pods(sim).map((p) => [p.metadata.name, p.status?.phase])).toEqual([
        [NOTES_POD, 'Running'],
      ])
      expect(status(sim)).toMatchObject({
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', reason: 'PodReady' }],
      })
      await assertIdempotent(sim)
      await assertValidBuiltins(sim.children())

      sim.updateParent(newImage)
      const changed = await sim.run()
      expect(changed.converged).toBe(true)
      expect(changed.rounds.filter((r) => r.error)).toEqual([])
      const actions = changed.rounds.flatMap((r) => r.actions.map((a) => `${a.type} ${a.object}`))
      const replacement = podNameFor(newImage(parent()))
      expect(actions).toEqual(
        expect.arrayContaining([
          `created Pod default/${replacement}`,
          `deleted Pod default/${NOTES_POD}`,
        ]),
      )
      expect(
        pods(sim).map((p) => [p.metadata.name, p.spec.containers[0]!.image, p.status?.phase]),
      ).toEqual([[replacement, 'nginx:1.27', 'Running']])
      expect(status(sim)).toMatchObject({
        podName: replacement,
        phase: 'Running',
        conditions: [{ status: 'True' }],
        observedGeneration: 2,
      })
      await assertIdempotent(sim)

      const deleted = sim.deleteParent()
      expect(deleted.map((a) => `${a.type} ${a.object}`)).toEqual([
        'removed MyPod default/mypod-test',
        `garbage-collected Pod default/${replacement}`,
      ])
      expect(sim.objects()).toEqual([])
    })
  },
)

describe('the simulator tells the apply strategies apart', () => {
  it.each([
    {
      applyStrategy: 'dynamic-apply' as const,
      converges: true,
      reason: 'Recreate deletes the Pod and creates it again next round',
    },
    {
      applyStrategy: 'server-side-apply' as const,
      converges: false,
      reason:
        'Recreate dry-runs the patch first; the API server refuses a changed Pod spec, forever',
    },
  ])(
    'a Pod named after its MyPod with Recreate, under $applyStrategy: $reason',
    async ({ applyStrategy, converges }) => {
      const sim = new Simulation(recreateDesign, { parent: parent(), applyStrategy })
      expect((await sim.run()).converged).toBe(true)
      // A new command: a Pod's image may change in place, its command may not.
      sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), customCommand: 'sleep 1' } }))
      const changed = await sim.run({ maxRounds: 10 })
      expect(changed.converged).toBe(converges)
      const command = (pods(sim)[0]!.spec.containers[0] as { command?: string[] }).command
      if (converges) {
        expect(command).toEqual(['sleep', '1'])
      } else {
        expect(command).toEqual(['custom', 'command'])
        expect(changed.rounds.at(-1)!.error).toEqual({
          status: 422,
          message: expect.stringMatching(
            /^dry run failed for server-side apply: Pod "mypod-test" is invalid: spec: Forbidden: pod updates may not change fields/,
          ),
        })
      }
    },
  )

  it('conformance with spec changes finds the design that only works under dynamic apply', async () => {
    const { checkConformance } = await import('../../hooks/core/testing/conformance.ts')
    const problems = await checkConformance(recreateDesign, {
      parent: parent(),
      changes: [{ image: 'nginx', customCommand: 'sleep 1' }],
    })
    expect(problems).toEqual([
      expect.stringMatching(
        /^spec change to .* does not converge within 5 rounds \(server-side-apply\): /,
      ),
    ])
  })

  it('an in-place update of an immutable field is refused under either strategy', async () => {
    const inPlace = { ...recreateDesign, children: mypod.children } as ControllerDefinition
    for (const applyStrategy of ['dynamic-apply', 'server-side-apply'] as const) {
      const sim = new Simulation(inPlace, { parent: parent(), applyStrategy })
      await sim.run()
      sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), customCommand: 'sleep 1' } }))
      const changed = await sim.run({ maxRounds: 5 })
      expect(changed.converged).toBe(false)
      expect(changed.rounds.at(-1)!.actions.map((a) => a.type)).toContain('refused')
    }
  })
})

describe('mypod', () => {
  it('is deterministic and rejects an invalid spec without a child list', async () => {
    const observed = [observedPod(NOTES_POD, { phase: 'Running', ready: true })]
    await assertDeterministic(
      mypod,
      'sync',
      compositeRequest(mypod, { parent: myPodParent(), observed }),
    )
    await assertRejected(
      mypod,
      'sync',
      compositeRequest(mypod, { parent: myPodParent({ image: 'a b' }), observed }),
      422,
    )
  })
})

describe('invariants catch what they promise', () => {
  it('assertValidBuiltins rejects a Pod the API server would reject', async () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x' },
      spec: { containers: [{ name: 'main', image: 5 }] },
    } as unknown as KObject
    await expect(assertValidBuiltins([bad])).rejects.toThrow(
      /Pod x fails the Kubernetes schema: .*image must be string/,
    )
  })

  it('assertRejected fails on a 200', async () => {
    await expect(
      assertRejected(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent() })),
    ).rejects.toThrow(/answered 200 to an invalid request/)
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
      changes: [
        { image: 'nginx:1.27' },
        { image: 'nginx:1.27', customCommand: 'sleep 3600' },
        { image: 'nginx:1.27', customCommand: 'sleep 3600', uri: 'http://example.com' },
      ],
    })
    expect(problems).toEqual([])
  })
})
