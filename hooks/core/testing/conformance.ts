import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { objectKey } from './cluster.ts'
import {
  assertDeterministic,
  assertIdempotent,
  assertRejected,
  assertValidBuiltins,
} from './invariants.ts'
import { customizeRules, hookFor, requestFor } from './requests.ts'
import { APPLY_STRATEGIES, Simulation, type ApplyStrategy } from './simulator.ts'

export interface Scenario {
  /** The parent as a user applies it. */
  parent: KObject
  /** What the cluster holds beforehand (related objects, namespaces…). */
  objects?: KObject[]
  /** Specs the controller must refuse with a 422 (while its children exist). */
  invalidSpecs?: Record<string, unknown>[]
  /** Rounds allowed to converge from an empty cluster (default 5). */
  maxRounds?: number
  /** Objects allowed to outlive the parent (e.g. volumes under a Retain policy). */
  retained?: (object: KObject) => boolean
  startTime?: string
  /**
   * Valid spec changes made one after another once converged; each must converge again. Under
   * server-side apply an immutable field can never be patched, not even by Recreate, so this is
   * where a design that only works under one apply strategy shows.
   */
  changes?: Record<string, unknown>[]
  /** Metacontroller's apply strategies to check under (default: both). */
  applyStrategies?: ApplyStrategy[]
}

/**
 * What every controller in the catalogue must do, as one check: converge from an empty cluster
 * within `maxRounds`, be idempotent once converged, produce children that pass the Kubernetes
 * schemas, answer the same request with the same bytes, refuse invalid specs with a 422 (never
 * fewer children), converge again after each valid spec change, and leave nothing behind once the
 * parent is deleted — under each of Metacontroller's apply strategies. Returns the problems.
 */
export async function checkConformance(
  definition: ControllerDefinition,
  scenario: Scenario,
): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, fn: () => unknown) => {
    try {
      await fn()
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`)
    }
  }
  const strategies = scenario.applyStrategies ?? APPLY_STRATEGIES
  for (const [index, applyStrategy] of strategies.entries()) {
    const under = strategies.length > 1 ? ` (${applyStrategy})` : ''
    const sim = new Simulation(definition, {
      parent: scenario.parent,
      objects: scenario.objects ?? [],
      applyStrategy,
      ...(scenario.startTime && { startTime: scenario.startTime }),
    })
    const maxRounds = scenario.maxRounds ?? 5
    // Quiet with a resync pending counts: time-driven controllers wake later on purpose.
    const result = await sim.run({ maxRounds, followResync: false })
    if (!result.converged)
      problems.push(`does not converge within ${maxRounds} rounds${under}: ${result.reason}`)

    await attempt(`idempotence${under}`, () => assertIdempotent(sim))
    await attempt(`children${under}`, () => assertValidBuiltins(sim.children()))

    // What a single request must do does not depend on the apply strategy: checked once.
    if (index === 0) await checkRequests(definition, scenario, sim, attempt)

    for (const spec of scenario.changes ?? []) {
      sim.updateParent((p) => ({ ...p, spec }))
      const changed = await sim.run({ maxRounds, followResync: false })
      if (!changed.converged)
        problems.push(
          `spec change to ${JSON.stringify(spec)} does not converge within ${maxRounds} rounds${under}: ${changed.reason}`,
        )
      await attempt(`children after the spec change to ${JSON.stringify(spec)}${under}`, () =>
        assertValidBuiltins(sim.children()),
      )
    }

    const before = new Set((scenario.objects ?? []).map(objectKey))
    sim.deleteParent()
    const cleanup = await sim.run({ maxRounds: 10 })
    if (!cleanup.converged) problems.push(`deletion does not finish${under}: ${cleanup.reason}`)
    const left = sim
      .objects()
      .filter((o) => !before.has(objectKey(o)) && !(scenario.retained?.(o) ?? false))
    if (left.length > 0)
      problems.push(`left behind after delete${under}: ${left.map(objectKey).join(', ')}`)
  }
  return problems
}

/** Determinism and the refusal of every invalid spec, from a converged world. */
async function checkRequests(
  definition: ControllerDefinition,
  scenario: Scenario,
  sim: Simulation,
  attempt: (what: string, fn: () => unknown) => Promise<void>,
): Promise<void> {
  const parent = sim.parent!
  const world = async (p: KObject) =>
    requestFor(definition, {
      parent: p,
      objects: sim.cluster.list(),
      rules: await customizeRules(definition, p),
    })
  const now = new Date(sim.cluster.now)
  await attempt('determinism', async () =>
    assertDeterministic(definition, hookFor(definition, parent), await world(parent), now),
  )
  for (const spec of scenario.invalidSpecs ?? []) {
    await attempt(`invalid spec ${JSON.stringify(spec)}`, async () => {
      const invalid = { ...parent, spec } as KObject
      // customize runs on the same invalid spec in Metacontroller, and must refuse it too.
      let request
      try {
        request = await world(invalid)
      } catch (error) {
        // customize refused first; then sync is never called. It must be a 422 too.
        if (!/customize failed \(422\)/.test((error as Error).message)) throw error
        return
      }
      await assertRejected(definition, 'sync', request, 422)
    })
  }
}
