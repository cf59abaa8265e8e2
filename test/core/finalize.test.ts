import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { finalizerName } from '../../hooks/core/run.ts'
import { loadGoldenCases } from '../../hooks/core/testing/golden.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { controllers } from '../../hooks/registry.ts'
import { ROOT } from '../fixtures/server.ts'

// Cleanup must not depend on a valid spec or on a namespace that can still take new objects. For
// every controller with a finalize hook: bring a parent to a steady state with its children, then
// break what finalize may no longer rely on, delete (or opt out), and the cleanup must finish —
// children gone, finalizer removed — without a person stepping in.

type Break = (parent: KObject) => KObject

const annotations = (p: KObject) => (p.metadata.annotations ?? {}) as Record<string, string>
const withSpec = (p: KObject, spec: unknown) => ({ ...p, spec }) as KObject
const withoutSpec: Break = (p) => {
  const { spec: _spec, ...rest } = p as KObject & { spec?: unknown }
  return rest as KObject
}
const withAnnotations = (p: KObject, next: Record<string, string>) =>
  ({ ...p, metadata: { ...p.metadata, annotations: next } }) as KObject
const dropAnnotations =
  (...keys: string[]): Break =>
  (p) =>
    withAnnotations(
      p,
      Object.fromEntries(Object.entries(annotations(p)).filter(([k]) => !keys.includes(k))),
    )

interface Case {
  name: string
  reason: string
  break: Break
  /** Decorators: the break itself ends the attachment (Metacontroller calls finalize); composites are deleted. */
  optOut?: boolean
}

/** Per controller with a finalize hook: how its spec (a decorator's object) stops parsing, or its opt-in goes. */
const CASES: Record<string, Case[]> = {
  webpinger: [
    {
      name: 'spec missing',
      reason: 'a parent whose spec was removed (or never valid)',
      break: withoutSpec,
    },
    {
      name: 'spec invalid',
      reason: 'a CRD tightened since: an interval the hook refuses',
      break: (p) => withSpec(p, { target: 'blog.sixeyed.com', interval: '7h' }),
    },
  ],
  helmrelease: [
    {
      name: 'spec missing',
      reason: 'the uninstall needs only the release name sync recorded',
      break: withoutSpec,
    },
    {
      name: 'spec invalid',
      reason: 'a chart repository the hook no longer accepts',
      break: (p) =>
        withSpec(p, {
          ...(p.spec as object),
          chart: { repository: 'ftp://charts', name: 'x', version: '1' },
        }),
    },
  ],
  'service-per-pod': [
    {
      name: 'opt-in gone',
      reason: 'removing the annotations is what calls finalize, with an object the schema refuses',
      break: dropAnnotations('service-per-pod-label', 'service-per-pod-ports'),
      optOut: true,
    },
    {
      name: 'object invalid',
      reason: 'ports the hook cannot read',
      break: (p) => withAnnotations(p, { ...annotations(p), 'service-per-pod-ports': 'http' }),
    },
  ],
  guardrails: [
    {
      name: 'opt-in gone',
      reason: 'the enabled annotation removed',
      break: dropAnnotations('guardrails.metahooks.dev/enabled'),
      optOut: true,
    },
    {
      name: 'object invalid',
      reason: 'a min-available the hook refuses',
      break: (p) =>
        withAnnotations(p, { ...annotations(p), 'guardrails.metahooks.dev/min-available': 'lots' }),
    },
  ],
}

const withFinalize = controllers.filter((c) => c.finalize)
const namespace = (name: string, terminating = false): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(terminating && { deletionTimestamp: '2026-01-01T00:00:00Z' }) },
    status: { phase: terminating ? 'Terminating' : 'Active' },
  }) as KObject

function firstParent(c: ControllerDefinition): KObject {
  const found = loadGoldenCases(join(ROOT, 'test/golden', c.name)).find((g) => g.expected)
  if (!found) throw new Error(`no golden case with a 200 for ${c.name}`)
  return found.parent as KObject
}

/** A simulation of the parent at steady state, with its children and its namespace. */
async function steady(c: ControllerDefinition): Promise<Simulation> {
  const parent = firstParent(c)
  const sim = new Simulation(c, {
    parent,
    objects: parent.metadata.namespace ? [namespace(parent.metadata.namespace)] : [],
  })
  const settled = await sim.run()
  expect(settled.converged, settled.reason).toBe(true)
  expect(sim.children().length).toBeGreaterThan(0)
  return sim
}

function finishes(sim: Simulation, c: ControllerDefinition, optOut: boolean) {
  if (optOut)
    expect(sim.parent!.metadata).not.toHaveProperty(
      'finalizers',
      expect.arrayContaining([finalizerName(c)]),
    )
  else expect(sim.parent).toBeUndefined()
  expect(sim.children()).toEqual([])
}

describe('every controller with a finalize hook has its cases here', () => {
  it('the table covers exactly the registry', () => {
    expect(Object.keys(CASES).sort()).toEqual(withFinalize.map((c) => c.name).sort())
  })
})

describe.each(withFinalize.map((c) => [c.name, c] as const))(
  '%s: cleanup without a valid spec',
  (_name, c) => {
    it.each(CASES[c.name] ?? [])(
      '$name ($reason): the cleanup finishes',
      async ({ break: breakIt, optOut = false }) => {
        const sim = await steady(c)
        sim.updateParent(breakIt)
        if (!optOut) sim.deleteParent()
        const result = await sim.run()
        expect(result.converged, `${result.reason}: ${JSON.stringify(result.rounds.at(-1))}`).toBe(
          true,
        )
        expect(result.rounds.every((r) => r.error === undefined)).toBe(true)
        finishes(sim, c, optOut)
      },
    )

    it('in a namespace being deleted: finishes without asking for anything new', async () => {
      const sim = await steady(c)
      const ns = sim.parent!.metadata.namespace!
      sim.cluster.update(namespace(ns, true))
      // The parent goes with its namespace: deleted (composites) or opted out (decorators lose their selecting annotations).
      const optOut = c.type === 'decorator'
      if (optOut) sim.updateParent(CASES[c.name]!.find((k) => k.optOut)!.break)
      else sim.deleteParent()
      const result = await sim.run()
      expect(result.rounds.flatMap((r) => r.actions).filter((a) => a.type === 'refused')).toEqual(
        [],
      )
      expect(result.converged, result.reason).toBe(true)
      finishes(sim, c, optOut)
    })
  },
)

describe('a finalize that truly needs the spec', () => {
  it('requireSpec() answers 422 naming the finalizer to remove; sync names only the field; customize still answers', async () => {
    const { runHook } = await import('../../hooks/core/run.ts')
    const { compositeRequest } = await import('../../hooks/core/testing/requests.ts')
    const { needsSpec, needsSpecParent } = await import('../fixtures/controllers.ts')
    const invalid = needsSpecParent({ size: 'huge' })
    const finalize = await runHook(
      needsSpec,
      'finalize',
      compositeRequest(needsSpec, { parent: invalid, finalizing: true }),
    )
    expect(finalize).toMatchObject({ ok: false, status: 422 })
    expect(!finalize.ok && finalize.message).toMatch(
      /^invalid parent spec: spec\.size: .*; cleanup cannot run until it is fixed \(to delete without cleanup, remove the finalizer metacontroller\.io\/compositecontroller-needs-spec\)$/,
    )
    const sync = await runHook(needsSpec, 'sync', compositeRequest(needsSpec, { parent: invalid }))
    expect(sync).toMatchObject({ ok: false, status: 422 })
    expect(!sync.ok && sync.message).not.toMatch(/finalizer/)
    const customize = await runHook(needsSpec, 'customize', { controller: {}, parent: invalid })
    expect(customize).toMatchObject({
      ok: true,
      response: {
        relatedResources: [{ apiVersion: 'v1', resource: 'namespaces', names: ['default'] }],
      },
    })
  })
})
