import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition, HookName } from '../define.ts'
import { checkResponse } from '../check.ts'
import { runHook } from '../run.ts'
import type { Simulation } from './simulator.ts'

/**
 * Properties every controller must have, as plain functions that throw an Error saying what
 * broke — callable from any test framework.
 */

export class InvariantError extends Error {
  override name = 'InvariantError'
}

/** Same request → byte-identical response (or the identical error). */
export async function assertDeterministic(
  definition: ControllerDefinition,
  hook: HookName,
  request: unknown,
  now?: Date,
): Promise<void> {
  const options = now ? { now } : {}
  const a = await runHook(definition, hook, structuredClone(request), options)
  const b = await runHook(definition, hook, structuredClone(request), options)
  const show = (o: typeof a) => (o.ok ? o.body : `${o.status} ${o.message}`)
  if (show(a) !== show(b))
    throw new InvariantError(
      `${definition.name} ${hook} is not deterministic:\n${show(a)}\n${show(b)}`,
    )
}

/** An invalid input is an error status (4xx), never a 200 with fewer children. */
export async function assertRejected(
  definition: ControllerDefinition,
  hook: HookName,
  request: unknown,
  status?: number,
): Promise<void> {
  const outcome = await runHook(definition, hook, request)
  if (outcome.ok)
    throw new InvariantError(
      `${definition.name} ${hook} answered 200 to an invalid request: ${outcome.body.slice(0, 200)}`,
    )
  if (outcome.status < 400 || outcome.status >= 500)
    throw new InvariantError(
      `${definition.name} ${hook} answered ${outcome.status} (not a 4xx) to an invalid request: ${outcome.message}`,
    )
  if (status !== undefined && outcome.status !== status)
    throw new InvariantError(
      `${definition.name} ${hook} answered ${outcome.status}, expected ${status}: ${outcome.message}`,
    )
}

/** A converged world yields no further actions. */
export async function assertIdempotent(sim: Simulation): Promise<void> {
  const round = await sim.step()
  if (round.error)
    throw new InvariantError(
      `after convergence the hook failed: ${round.error.status} ${round.error.message}`,
    )
  if (round.actions.length > 0) {
    throw new InvariantError(
      `not idempotent: a converged world still changed: ${round.actions.map((a) => `${a.type} ${a.object}${a.detail ? ` (${a.detail})` : ''}`).join('; ')}`,
    )
  }
}

/** The response passes the same check the server applies. */
export function assertResponseValid(
  definition: ControllerDefinition,
  hook: HookName,
  parent: KObject,
  response: unknown,
): void {
  const problems = checkResponse({ definition, hook, parent, response })
  if (problems.length > 0) throw new InvariantError(`response check failed: ${problems.join('; ')}`)
}

/** Maps `apps/v1` + `Deployment` to its kubernetes-models module (built-in types only). */
function modelPath(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`
}

/**
 * Built-in children validate against the Kubernetes OpenAPI schemas (kubernetes-models'
 * precompiled validators). Custom kinds are skipped; unknown fields are not caught by those
 * validators (a known limit of kubernetes-models).
 */
export async function assertValidBuiltins(children: readonly KObject[]): Promise<void> {
  for (const child of children) {
    let Model: (new (data: unknown) => { validate(): void }) | undefined
    try {
      const module = (await import(modelPath(child.apiVersion, child.kind))) as Record<
        string,
        unknown
      >
      Model = module[child.kind] as typeof Model
    } catch {
      continue
    }
    if (!Model) continue
    try {
      new Model(child).validate()
    } catch (error) {
      const ns = child.metadata.namespace ? `${child.metadata.namespace}/` : ''
      throw new InvariantError(
        `${child.kind} ${ns}${child.metadata.name} fails the Kubernetes schema: ${(error as Error).message}`,
      )
    }
  }
}
