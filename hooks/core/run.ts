import * as z from 'zod'
import { ObservedObjects } from './contract/objectmap.ts'
import type { KObject, ObjectMap } from './contract/objects.ts'
import {
  ownNamespaceRule,
  type ControllerDefinition,
  type FinalizeContext,
  type HookContext,
  type HookName,
} from './define.ts'
import { checkResponse } from './check.ts'
import { resultProblems, shapeResponse } from './response-shape.ts'
import { OVER_BUDGET, withinBudget } from './budget.ts'
import { HookError } from './errors.ts'
import { formatIssues, safeParseBounded } from './issues.ts'

import {
  countObjects,
  listProblems,
  isStackOverflow,
  MAX_NESTING,
  nestsDeeperThan,
  observedChecks,
  parentProblem,
  requestSchema,
} from './request-checks.ts'

export { MAX_NESTING } from './request-checks.ts'

/** What a hook call produced, independent of HTTP: the server, the CLI and the tests share it. */
export type HookOutcome = HookSuccess | HookFailure

export interface OutcomeMeta {
  controller: string
  hook: HookName
  namespace?: string
  name?: string
  observed?: number
  desired?: number
  /** The thrown value behind a 500, for the server log only (never the response body). */
  cause?: unknown
}

export interface HookSuccess {
  ok: true
  status: 200
  response: Record<string, unknown>
  /** The exact JSON sent on the wire. */
  body: string
  meta: OutcomeMeta
}

export interface HookFailure {
  ok: false
  status: number
  message: string
  meta: OutcomeMeta
}

function fail(status: number, message: string, meta: OutcomeMeta): HookFailure {
  return { ok: false, status, message, meta }
}

export function hasHook(definition: ControllerDefinition, hook: HookName): boolean {
  return hook === 'sync' || definition[hook] !== undefined
}

/** The finalizer Metacontroller puts on a parent of this controller (removing it deletes without cleanup). */
export function finalizerName(definition: ControllerDefinition): string {
  return `metacontroller.io/${definition.type === 'composite' ? 'compositecontroller' : 'decoratorcontroller'}-${definition.name}`
}

/** Whether a Namespace object is being deleted. */
function terminating(namespace: KObject | undefined): boolean {
  const ns = namespace as (KObject & { status?: { phase?: unknown } }) | undefined
  return (
    ns !== undefined &&
    (ns.metadata.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating')
  )
}

function finalizeContext(
  definition: ControllerDefinition,
  ctx: HookContext<unknown>,
  specProblem: string | undefined,
): FinalizeContext<unknown> {
  const namespace = ctx.parent.metadata.namespace
  return {
    ...ctx,
    ...(specProblem !== undefined && { spec: undefined, specProblem }),
    requireSpec() {
      if (specProblem === undefined) return ctx.spec
      // A deletion waits on this finalize hook: say how to get out (the message becomes an Event).
      throw new HookError(
        422,
        `${specProblem}; cleanup cannot run until it is fixed (to delete without cleanup, remove the finalizer ${finalizerName(definition)})`,
      )
    },
    namespaceTerminating:
      namespace !== undefined && terminating(ctx.related.get('Namespace', namespace)),
  }
}

/**
 * Runs one hook call end to end: validate the request against the contract (400), parse the
 * parent spec (422), call the controller (500 on a throw, or a HookError's status), check the
 * response (500 naming the rule), serialize. Only a fully checked response is a success.
 */
export interface RunOptions {
  /** The request time; used only by controllers with `clock: true` (truncated to the minute). */
  now?: Date
  /** Time the controller's function may take before the call is answered 503; 0 or absent = no budget. */
  timeoutMs?: number
}

/** The time a clock-using hook sees: `now` truncated to its granularity (undefined for other hooks). */
export function hookTime(
  definition: ControllerDefinition,
  now: Date = new Date(),
): Date | undefined {
  if (!definition.clock) return undefined
  const step = definition.clock === 'second' ? 1000 : 60_000
  return new Date(Math.floor(now.getTime() / step) * step)
}

/**
 * Runs one hook call end to end (see runHookChecked). A request nested so deep that a walk over it
 * exhausts the stack (a controller copying it, the response check, JSON.stringify) is bad input: 400,
 * not a 500 — but only when the request really nests that deep; otherwise it is a bug and stays 500.
 */
export async function runHook(
  definition: ControllerDefinition,
  route: HookName,
  input: unknown,
  options: RunOptions = {},
): Promise<HookOutcome> {
  let outcome: HookOutcome
  try {
    outcome = await runHookChecked(definition, route, input, options)
  } catch (error) {
    outcome = fail(
      500,
      `internal error in ${definition.name} ${route}: see the hook server's log`,
      { controller: definition.name, hook: route, cause: error },
    )
  }
  if (
    !outcome.ok &&
    outcome.status === 500 &&
    isStackOverflow(outcome.meta.cause) &&
    nestsDeeperThan(input, MAX_NESTING)
  ) {
    const { cause: _cause, ...meta } = outcome.meta
    return fail(
      400,
      `request nests deeper than ${MAX_NESTING} levels; the hook does not handle objects that deep`,
      meta,
    )
  }
  return outcome
}

async function runHookChecked(
  definition: ControllerDefinition,
  route: HookName,
  input: unknown,
  options: RunOptions,
): Promise<HookOutcome> {
  const meta: OutcomeMeta = { controller: definition.name, hook: route }
  if (!hasHook(definition, route))
    return fail(404, `controller ${definition.name} has no ${route} hook`, meta)

  const { guard, schema } = requestSchema(definition, route)
  let request: Record<string, unknown>
  if (guard(input)) request = input as Record<string, unknown>
  else {
    const parsed = safeParseBounded(schema, input)
    if (!parsed.success) {
      const what =
        route === 'customize'
          ? 'customize'
          : `${definition.type === 'composite' ? 'CompositeController' : 'DecoratorController'} ${route}`
      return fail(
        400,
        `request is not a Metacontroller ${what} request: ${listProblems(formatIssues(parsed.error))}`,
        meta,
      )
    }
    request = parsed.data as Record<string, unknown>
  }
  const parent = (
    definition.type === 'decorator' && route !== 'customize' ? request.object : request.parent
  ) as KObject
  meta.namespace = parent.metadata.namespace
  meta.name = parent.metadata.name
  const wrongParent = parentProblem(definition, parent)
  if (wrongParent)
    return fail(400, `request does not fit controller ${definition.name}: ${wrongParent}`, meta)

  // Metacontroller may point sync and finalize at one URL and tells them apart by `finalizing`.
  let hook: HookName = route
  if (route !== 'customize') {
    const finalizing = request.finalizing as boolean
    if (route === 'finalize' && !finalizing)
      return fail(400, 'finalize hook called with finalizing: false', meta)
    if (route === 'sync' && finalizing) {
      if (!definition.finalize)
        return fail(
          400,
          `finalizing: true but controller ${definition.name} has no finalize hook`,
          meta,
        )
      hook = 'finalize'
    }
    meta.hook = hook
    const observed = (
      definition.type === 'composite' ? request.children : request.attachments
    ) as ObjectMap
    meta.observed = countObjects(observed)
  }

  // Finalize runs without a spec that no longer parses (its function decides whether it can clean
  // up without it): a deletion must not hang on a spec nobody can fix any more.
  let spec: unknown
  let specProblem: string | undefined
  try {
    spec = definition.parseSpec(parent)
  } catch (error) {
    if (!(error instanceof z.ZodError))
      return fail(500, `internal error in ${definition.name} while reading the parent`, {
        ...meta,
        cause: error,
      })
    const prefix = definition.type === 'composite' ? 'spec' : ''
    specProblem = `${definition.type === 'composite' ? 'invalid parent spec' : `invalid ${parent.kind}`}: ${listProblems(formatIssues(error, prefix))}`
    // Customize comes before finalize: with an invalid spec it relates only what the toolkit itself
    // needs (sync refuses the spec anyway; finalize must not depend on it).
    if (hook === 'customize') {
      const own = definition.watchesOwnNamespace ? ownNamespaceRule(parent) : undefined
      const response = { relatedResources: own ? [own] : [] }
      return { ok: true, status: 200, response, body: JSON.stringify(response), meta }
    }
    if (hook !== 'finalize') return fail(422, specProblem, meta)
  }

  let trusted: KObject = parent
  const statusSchema =
    definition.type === 'composite' ? definition.parent.observedStatus : undefined
  if (statusSchema) {
    const parsed = safeParseBounded(statusSchema, (parent as { status?: unknown }).status ?? {})
    if (!parsed.success) {
      if (hook !== 'finalize')
        return fail(
          422,
          `parent status does not hold what ${definition.name} records: ${listProblems(formatIssues(parsed.error, 'status'))}`,
          meta,
        )
      // Finalize: a status that does not hold what the controller recorded is not trusted either.
      const { status: _untrusted, ...rest } = parent as KObject & { status?: unknown }
      trusted = rest as KObject
    }
  }

  let result: Record<string, unknown>
  // The controller's own function runs within the time budget; a late answer is dropped.
  const call = async (fn: () => unknown): Promise<unknown> => {
    const answer = await withinBudget(Promise.resolve().then(fn), options.timeoutMs ?? 0)
    if (answer === OVER_BUDGET)
      throw new HookError(
        503,
        `${definition.name} ${hook} did not answer within ${(options.timeoutMs ?? 0) / 1000} s (METAHOOKS_HOOK_TIMEOUT_SECONDS); try again later`,
      )
    return answer
  }
  try {
    const typedParent = { ...trusted, spec } as HookContext<unknown>['parent']
    if (hook === 'customize') {
      const fn = definition.customize!
      result = {
        relatedResources: await call(() =>
          fn({
            parent: typedParent,
            spec,
            controller: request.controller as Record<string, unknown>,
          }),
        ),
      }
    } else {
      const ctx: HookContext<unknown> = {
        parent: typedParent,
        spec,
        children: new ObservedObjects(
          (definition.type === 'composite' ? request.children : request.attachments) as ObjectMap,
          observedChecks(
            definition.type === 'composite' ? definition.children : definition.attachments,
            'observed',
          ),
        ),
        related: new ObservedObjects(
          request.related as ObjectMap,
          observedChecks(definition.related, 'related'),
        ),
        controller: request.controller as Record<string, unknown>,
        finalizing: request.finalizing as boolean,
      }
      const now = hookTime(definition, options.now)
      if (now) ctx.now = now
      if (hook === 'finalize') {
        const fn = definition.finalize! as (c: FinalizeContext<unknown>) => unknown
        result = (await call(() => fn(finalizeContext(definition, ctx, specProblem)))) as Record<
          string,
          unknown
        >
      } else {
        const fn = definition.sync as (c: HookContext<unknown>) => unknown
        result = (await call(() => fn(ctx))) as Record<string, unknown>
      }
    }
  } catch (error) {
    if (error instanceof HookError) return fail(error.status, error.message, meta)
    return fail(500, `internal error in ${definition.name} ${hook}: see the hook server's log`, {
      ...meta,
      cause: error,
    })
  }
  if (typeof result !== 'object' || result === null) {
    return fail(
      500,
      `response check failed: ${definition.name} ${hook} returned ${result === null ? 'null' : typeof result}`,
      meta,
    )
  }

  const shapeProblems = resultProblems(definition, hook, result)
  if (shapeProblems.length > 0)
    return fail(500, `response check failed: ${listProblems(shapeProblems)}`, meta)
  const response = shapeResponse(definition, hook, result)
  const list = response.children ?? response.attachments
  if (Array.isArray(list)) meta.desired = list.length
  const problems = checkResponse({ definition, hook, parent, response })
  if (problems.length > 0)
    return fail(500, `response check failed: ${listProblems(problems)}`, meta)

  let body: string
  try {
    body = JSON.stringify(response)
  } catch (error) {
    return fail(500, `response check failed: the response cannot be serialized as JSON`, {
      ...meta,
      cause: error,
    })
  }
  return { ok: true, status: 200, response, body, meta }
}
