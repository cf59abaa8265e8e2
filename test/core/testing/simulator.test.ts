import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import {
  defineCompositeController,
  defineDecoratorController,
  type ChildResource,
  type CompositeControllerInput,
  type HookContext,
} from '../../../hooks/core/define.ts'
import type { KObject } from '../../../hooks/core/contract/objects.ts'
import { finalizerName } from '../../../hooks/core/run.ts'
import { Simulation } from '../../../hooks/core/testing/simulator.ts'
import { HookError } from '../../../hooks/core/errors.ts'

/**
 * The simulator, rule by rule against the contract (§4–§5). Each case uses a "scripted" controller
 * whose sync returns what the parent's spec says, so the rule under test is the only moving part.
 */

const Spec = z.object({
  children: z.array(z.record(z.string(), z.unknown())).default([]),
  status: z.record(z.string(), z.unknown()).default({}),
  resync: z.number().optional(),
  fail: z.boolean().optional(),
})

function scripted(
  strategy?: ChildResource['updateStrategy'],
  extra: Partial<CompositeControllerInput<typeof Spec>> = {},
) {
  return defineCompositeController({
    name: 'scripted',
    parent: {
      group: 'sim.test',
      version: 'v1',
      kind: 'Script',
      plural: 'scripts',
      scope: 'Namespaced',
      spec: Spec,
    },
    children: [
      { apiVersion: 'v1', kind: 'ConfigMap', ...(strategy && { updateStrategy: strategy }) },
      { apiVersion: 'v1', kind: 'Pod' },
    ],
    generateSelector: true,
    sync: ({ spec }) => {
      if (spec.fail) throw new HookError(422, 'told to fail')
      return {
        children: spec.children as KObject[],
        status: spec.status,
        ...(spec.resync !== undefined && { resyncAfterSeconds: spec.resync }),
      }
    },
    ...extra,
  })
}

/** The scripted controller with a spy on every sync call. */
function spied(
  def: ReturnType<typeof scripted>,
  spy: (ctx: HookContext<z.output<typeof Spec>>) => void,
) {
  return { ...def, sync: (ctx: HookContext<z.output<typeof Spec>>) => (spy(ctx), def.sync(ctx)) }
}

const cm = (name: string, data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
})
const parent = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'sim.test/v1',
  kind: 'Script',
  metadata: { name: 'p', namespace: 'ns' },
  spec,
})
// Objects read back from the simulated cluster, loosely typed for terse assertions.
type Loose = KObject & Record<string, any> & { metadata: Record<string, any> }
const find = (sim: Simulation, kind: string, name: string, namespace = 'ns') =>
  sim.cluster.get({ apiVersion: 'v1', kind, name, namespace }) as Loose | undefined
const current = (sim: Simulation) => sim.parent as Loose
const setChildren = (sim: Simulation, children: unknown[]) =>
  sim.updateParent((p) => ({ ...p, spec: { ...(p as Loose).spec, children } }))

describe('simulator: children', () => {
  it('creates missing children with a controller ownerReference, in the parent namespace', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a')] }) })
    const round = await sim.step()
    expect(round.actions).toContainEqual({ type: 'created', object: 'ConfigMap ns/a' })
    const child = find(sim, 'ConfigMap', 'a')!
    expect(child.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'sim.test/v1',
        kind: 'Script',
        name: 'p',
        uid: sim.parent!.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ])
  })

  it('adds the controller-uid label under generateSelector', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a')] }) })
    await sim.step()
    expect(find(sim, 'ConfigMap', 'a')!.metadata.labels).toEqual({
      'controller-uid': sim.parent!.metadata.uid,
    })
  })

  it('records what it applied in the last-applied annotation, which the next request carries', async () => {
    const seen: unknown[] = []
    const def = scripted()
    const sim = new Simulation(
      spied(def, (ctx) => seen.push(ctx.children.get('ConfigMap', 'a'))),
      { parent: parent({ children: [cm('a')] }) },
    )
    await sim.step()
    await sim.step()
    expect(
      (seen[1] as KObject).metadata.annotations?.[
        'metacontroller.k8s.io/last-applied-configuration'
      ],
    ).toBe(
      JSON.stringify(cm('a')).replace(
        '"name":"a"',
        '"name":"a","namespace":"ns","labels":{"controller-uid":"' +
          sim.parent!.metadata.uid +
          '"}',
      ),
    )
  })

  it('deletes observed children the response leaves out', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a'), cm('b')] }) })
    await sim.run()
    setChildren(sim, [cm('a')])
    const round = await sim.step()
    expect(round.actions).toContainEqual({ type: 'deleted', object: 'ConfigMap ns/b' })
    expect(find(sim, 'ConfigMap', 'b')).toBeUndefined()
    expect(find(sim, 'ConfigMap', 'a')).toBeDefined()
  })

  it('OnDelete (the default) never updates an existing child', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a')] }) })
    await sim.run()
    setChildren(sim, [cm('a', { a: '2' })])
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(find(sim, 'ConfigMap', 'a')!.data).toEqual({ a: '1' })
  })

  it('Recreate deletes a changed child and creates it again on the next round', async () => {
    const sim = new Simulation(scripted('Recreate'), { parent: parent({ children: [cm('a')] }) })
    await sim.run()
    const uid = find(sim, 'ConfigMap', 'a')!.metadata.uid
    setChildren(sim, [cm('a', { a: '2' })])
    const first = await sim.step()
    expect(first.actions.map((a) => a.type)).toContain('recreating')
    expect(find(sim, 'ConfigMap', 'a')).toBeUndefined()
    const second = await sim.step()
    expect(second.actions).toContainEqual({ type: 'created', object: 'ConfigMap ns/a' })
    const recreated = find(sim, 'ConfigMap', 'a')!
    expect(recreated.metadata.uid).not.toBe(uid)
    expect(recreated.data).toEqual({ a: '2' })
  })

  it('InPlace updates a changed child, keeping its uid, and removes fields the last apply set', async () => {
    const sim = new Simulation(scripted('InPlace'), {
      parent: parent({ children: [{ ...cm('a'), binaryData: { b: 'eA==' } }] }),
    })
    await sim.run()
    const before = find(sim, 'ConfigMap', 'a')!
    setChildren(sim, [cm('a', { a: '2' })])
    const round = await sim.step()
    expect(round.actions).toContainEqual({
      type: 'updated',
      object: 'ConfigMap ns/a',
      detail: 'InPlace',
    })
    const after = find(sim, 'ConfigMap', 'a')!
    expect(after.metadata.uid).toBe(before.metadata.uid)
    expect(after.data).toEqual({ a: '2' })
    expect(after.binaryData).toBeUndefined()
  })

  it('InPlace leaves an unchanged child alone (no update when nothing differs)', async () => {
    const sim = new Simulation(scripted('InPlace'), { parent: parent({ children: [cm('a')] }) })
    await sim.run()
    const round = await sim.step()
    expect(round.actions).toEqual([])
  })

  it('RollingRecreate (documented simplification) changes one child per type per round', async () => {
    const sim = new Simulation(scripted('RollingRecreate'), {
      parent: parent({ children: [cm('a'), cm('b')] }),
    })
    await sim.run()
    setChildren(sim, [cm('a', { a: '2' }), cm('b', { a: '2' })])
    const round = await sim.step()
    expect(round.actions.filter((a) => a.type === 'recreating')).toHaveLength(1)
  })

  it('adopts an orphan that matches the selector and hands it to the hook', async () => {
    const orphan = {
      ...cm('a'),
      metadata: { name: 'a', namespace: 'ns', labels: { 'controller-uid': 'fixed-uid' } },
    }
    const seen: number[] = []
    const def = scripted()
    const sim = new Simulation(
      spied(def, (ctx) => seen.push(ctx.children.size)),
      {
        parent: {
          ...parent({ children: [cm('a')] }),
          metadata: { name: 'p', namespace: 'ns', uid: 'fixed-uid' },
        },
        objects: [orphan],
      },
    )
    const round = await sim.step()
    expect(round.actions).toContainEqual({ type: 'adopted', object: 'ConfigMap ns/a' })
    expect(seen[0]).toBe(1)
  })

  it('leaves an object of the same name owned by someone else alone (conflict)', async () => {
    const foreign = {
      ...cm('a'),
      metadata: {
        name: 'a',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'other', controller: true },
        ],
      },
    }
    const sim = new Simulation(scripted(), {
      parent: parent({ children: [cm('a', { a: 'mine' })] }),
      objects: [foreign],
    })
    const round = await sim.step()
    expect(round.actions.map((a) => a.type)).toContain('conflict')
    expect(find(sim, 'ConfigMap', 'a')!.data).toEqual({ a: '1' })
  })

  it('releases a child whose labels no longer match (no generateSelector)', async () => {
    const def = defineCompositeController({
      name: 'sel',
      parent: {
        group: 'sim.test',
        version: 'v1',
        kind: 'Script',
        plural: 'scripts',
        scope: 'Namespaced',
        spec: z.looseObject({ selector: z.unknown(), children: z.array(z.any()) }),
      },
      children: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
      sync: ({ spec }) => ({ children: spec.children as KObject[], status: {} }),
    })
    const labelled = { ...cm('a'), metadata: { name: 'a', labels: { app: 'x' } } }
    const sim = new Simulation(def, {
      parent: parent({ selector: { matchLabels: { app: 'x' } }, children: [labelled] }),
    })
    await sim.run()
    sim.updateParent(
      (p) => ({ ...p, spec: { selector: { matchLabels: { app: 'y' } }, children: [] } }) as KObject,
    )
    const round = await sim.step()
    expect(round.actions).toContainEqual({ type: 'released', object: 'ConfigMap ns/a' })
    expect(find(sim, 'ConfigMap', 'a')!.metadata.ownerReferences).toEqual([])
  })
})

describe('simulator: status, resync and errors', () => {
  it('replaces the composite status and sets observedGeneration', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ status: { a: 1 } }) })
    await sim.step()
    expect(current(sim).status).toEqual({ a: 1, observedGeneration: 1 })
    sim.updateParent((p) => ({ ...p, spec: { status: { b: 2 } } }) as KObject)
    await sim.step()
    expect(current(sim).status).toEqual({ b: 2, observedGeneration: 2 })
  })

  it('honours resyncAfterSeconds on the virtual clock', async () => {
    const calls: string[] = []
    const def = scripted()
    const sim = new Simulation(
      spied(def, (ctx) => calls.push(ctx.parent.metadata.name)),
      { parent: parent({ resync: 30 }), startTime: '2026-01-01T00:00:00Z' },
    )
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(result.reason).toBe('quiet after its resync')
    expect(result.rounds.at(-1)!.time).toBe('2026-01-01T00:00:30Z')
    expect(result.rounds.at(-2)!.resyncAfterSeconds).toBe(30)
  })

  it('a failing hook changes nothing and stops the run as not converged', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a')] }) })
    await sim.run()
    sim.updateParent((p) => ({ ...p, spec: { children: [], fail: true } }) as KObject)
    const result = await sim.run()
    expect(result.converged).toBe(false)
    expect(result.reason).toMatch(/keeps failing: 422 told to fail/)
    expect(find(sim, 'ConfigMap', 'a')).toBeDefined()
    expect(result.rounds.every((r) => r.actions.length === 0)).toBe(true)
  })

  it('reports flapping children', async () => {
    const flappy = defineCompositeController({
      name: 'flappy',
      parent: {
        group: 'sim.test',
        version: 'v1',
        kind: 'Script',
        plural: 'scripts',
        scope: 'Namespaced',
        spec: z.object({}),
      },
      children: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
      generateSelector: true,
      sync: ({ children }) => ({ children: children.size === 0 ? [cm('a')] : [], status: {} }),
    })
    const result = await new Simulation(flappy, { parent: parent({}) }).run()
    expect(result.converged).toBe(false)
    expect(result.reason).toMatch(/flapping/)
  })
})

describe('simulator: deletion', () => {
  it('without finalize: the parent goes at once and its children are garbage-collected', async () => {
    const sim = new Simulation(scripted(), { parent: parent({ children: [cm('a')] }) })
    await sim.run()
    const actions = sim.deleteParent()
    expect(actions.map((a) => a.type)).toEqual(['removed', 'garbage-collected'])
    expect(sim.objects()).toEqual([])
  })

  it('with finalize: a finalizer is added first; finalize runs until finalized, then GC', async () => {
    let finalizeCalls = 0
    const def = scripted(undefined, {
      finalize: ({ children }) => {
        finalizeCalls++
        return { children: [], status: { cleaning: children.size }, finalized: children.size === 0 }
      },
    })
    const sim = new Simulation(def, { parent: parent({ children: [cm('a')] }) })
    expect(current(sim).metadata.finalizers).toEqual([finalizerName(def)])
    await sim.run()
    sim.deleteParent()
    expect(sim.parent).toBeDefined()
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(finalizeCalls).toBe(2)
    expect(result.rounds[0]!.actions.map((a) => a.type)).toEqual(['deleted', 'status'])
    expect(result.rounds[1]!.actions.map((a) => a.type)).toEqual(['finalized', 'status', 'removed'])
    expect(sim.objects()).toEqual([])
  })
})

describe('simulator: decorators', () => {
  const deco = defineDecoratorController({
    name: 'deco',
    resources: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
    attachments: [{ apiVersion: 'v1', kind: 'Secret' }],
    sync: ({ parent }) => ({
      attachments: [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${parent.metadata.name}-s` } },
      ],
      labels: { decorated: 'yes', remove: null },
      annotations: { note: 'hi' },
    }),
  })
  const target = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 't', namespace: 'ns', labels: { remove: 'me', keep: 'me' } },
    status: { untouched: true },
  } as KObject

  it('merges labels/annotations with null deletes, leaves status alone on null, marks attachments', async () => {
    const sim = new Simulation(deco, { parent: target })
    await sim.run()
    const object = sim.parent!
    expect(object.metadata.labels).toEqual({ keep: 'me', decorated: 'yes' })
    expect(object.metadata.annotations).toEqual({ note: 'hi' })
    expect((object as Loose).status).toEqual({ untouched: true })
    const secret = sim.cluster.get({
      apiVersion: 'v1',
      kind: 'Secret',
      name: 't-s',
      namespace: 'ns',
    })!
    expect(secret.metadata.annotations?.['metacontroller.k8s.io/decorator-controller']).toBe('deco')
  })
})

describe('simulator: the world (kubelet)', () => {
  const podOf = (
    name: string,
    restartPolicy: string,
    annotations: Record<string, string> = {},
  ) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations },
    spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }] },
  })

  it('a run-to-completion Pod goes Pending → Running → Succeeded', async () => {
    const sim = new Simulation(scripted(), {
      parent: parent({ children: [podOf('job', 'Never')] }),
    })
    const phases: unknown[] = []
    for (let i = 0; i < 4; i++) {
      await sim.step()
      phases.push(find(sim, 'Pod', 'job')!.status?.phase)
    }
    expect(phases).toEqual(['Pending', 'Running', 'Succeeded', 'Succeeded'])
  })

  it('a Pod can be told to fail with an exit code and termination message', async () => {
    const sim = new Simulation(scripted(), {
      parent: parent({
        children: [
          podOf('bad', 'Never', {
            'sim.metahooks.dev/exit-code': '3',
            'sim.metahooks.dev/message': '{"result":"nope"}',
          }),
        ],
      }),
    })
    await sim.run()
    const status = find(sim, 'Pod', 'bad')!.status
    expect(status.phase).toBe('Failed')
    expect(status.containerStatuses[0]!.state.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: '{"result":"nope"}',
    })
  })

  it('kubelet none freezes the world', async () => {
    const sim = new Simulation(scripted(), {
      parent: parent({ children: [podOf('x', 'Always')] }),
      kubelet: 'none',
    })
    await sim.run()
    expect(find(sim, 'Pod', 'x')!.status).toBeUndefined()
  })
})

describe('conformance check', () => {
  it('passes a well-behaved controller and names what a broken one does wrong', async () => {
    const { checkConformance } = await import('../../../hooks/core/testing/conformance.ts')
    expect(
      await checkConformance(scripted('InPlace'), {
        parent: parent({ children: [cm('a')] }),
        invalidSpecs: [{ children: 'nope' }],
      }),
    ).toEqual([])
    // Never quiet: a new ConfigMap every round (its name counts the observed ones).
    const restless = defineCompositeController({
      name: 'restless',
      parent: {
        group: 'sim.test',
        version: 'v1',
        kind: 'Script',
        plural: 'scripts',
        scope: 'Namespaced',
        spec: z.object({}),
      },
      children: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
      generateSelector: true,
      sync: ({ children }) => ({
        children: [...children.list('ConfigMap'), cm(`c${children.size}`)].map((c) =>
          cm(c.metadata.name),
        ),
        status: {},
      }),
    })
    const problems = await checkConformance(restless, {
      parent: parent({}),
      invalidSpecs: [{ unknown: true }],
    })
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/does not converge within 5 rounds \(dynamic-apply\)/),
        expect.stringMatching(/^idempotence \(server-side-apply\): not idempotent/),
        expect.stringMatching(/^invalid spec .*answered 200/),
      ]),
    )
  })
})
