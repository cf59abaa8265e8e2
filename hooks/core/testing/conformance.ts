import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { objectKey } from './cluster.ts'
import { assertDeterministic, assertIdempotent, assertRejected, assertValidBuiltins } from './invariants.ts'
import { customizeRules, hookFor, requestFor } from './requests.ts'
import { Simulation } from './simulator.ts'

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
}

/**
 * What every controller in the catalogue must do, as one check: converge from an empty cluster
 * within `maxRounds`, be idempotent once converged, produce children that pass the Kubernetes
 * schemas, answer the same request with the same bytes, refuse invalid specs with a 422 (never
 * fewer children), and leave nothing behind once the parent is deleted. Returns the problems.
 */
export async function checkConformance(definition: ControllerDefinition, scenario: Scenario): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, fn: () => unknown) => {
    try {
      await fn()
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`)
    }
  }
  const sim = new Simulation(definition, { parent: scenario.parent, objects: scenario.objects ?? [], ...(scenario.startTime && { startTime: scenario.startTime }) })
  const maxRounds = scenario.maxRounds ?? 5
  // Quiet with a resync pending counts: time-driven controllers wake later on purpose.
  const result = await sim.run({ maxRounds, followResync: false })
  if (!result.converged) problems.push(`does not converge within ${maxRounds} rounds: ${result.reason}`)

  await attempt('idempotence', () => assertIdempotent(sim))
  await attempt('children', () => assertValidBuiltins(sim.children()))

  const parent = sim.parent!
  const world = async (p: KObject) => requestFor(definition, { parent: p, objects: sim.cluster.list(), rules: await customizeRules(definition, p) })
  const now = new Date(sim.cluster.now)
  await attempt('determinism', async () => assertDeterministic(definition, hookFor(definition, parent), await world(parent), now))
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

  const before = new Set((scenario.objects ?? []).map(objectKey))
  sim.deleteParent()
  const cleanup = await sim.run({ maxRounds: 10 })
  if (!cleanup.converged) problems.push(`deletion does not finish: ${cleanup.reason}`)
  const left = sim.objects().filter((o) => !before.has(objectKey(o)) && !(scenario.retained?.(o) ?? false))
  if (left.length > 0) problems.push(`left behind after delete: ${left.map(objectKey).join(', ')}`)
  return problems
}
