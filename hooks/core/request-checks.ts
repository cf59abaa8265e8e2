// What run.ts checks of a request before the controller sees it: the request's shape for the
// hook, the parent's identity, the fields a controller declared it reads, and nesting depth.
import * as z from 'zod'
import {
  CompositeHookRequest,
  CustomizeHookRequest,
  DecoratorHookRequest,
} from './contract/requests.ts'
import {
  isCompositeHookRequest,
  isCustomizeHookRequest,
  isDecoratorHookRequest,
} from './contract/guards.ts'
import { groupKey, type ObservedCheck } from './contract/objectmap.ts'
import type { KObject, ObjectMap } from './contract/objects.ts'
import { type ControllerDefinition, type HookName } from './define.ts'
import { HookError } from './errors.ts'
import { checkBounded, clip, formatIssues, quote } from './issues.ts'
import {
  explainNameRule,
  isValidName,
  isValidNamespace,
  NAMESPACE_RULE,
  nameRule,
} from './k8s/names.ts'

export function requestSchema(definition: ControllerDefinition, hook: HookName) {
  if (hook === 'customize') return { guard: isCustomizeHookRequest, schema: CustomizeHookRequest }
  return definition.type === 'composite'
    ? { guard: isCompositeHookRequest, schema: CompositeHookRequest }
    : { guard: isDecoratorHookRequest, schema: DecoratorHookRequest }
}

/**
 * The root object must be what this controller reconciles, in the scope it was declared with: a
 * namespaced MyPod without a namespace cannot own anything, so the request is malformed (400).
 */
export function parentProblem(
  definition: ControllerDefinition,
  parent: KObject,
): string | undefined {
  const accepted =
    definition.type === 'composite'
      ? [
          {
            apiVersion: definition.parent.apiVersion,
            kind: definition.parent.kind,
            scope: definition.parent.scope,
          },
        ]
      : definition.resources
  const what = definition.type === 'composite' ? 'parent' : 'object'
  const match = accepted.find((r) => r.apiVersion === parent.apiVersion && r.kind === parent.kind)
  if (!match) {
    return `${what} is ${clip(`${parent.kind}.${parent.apiVersion}`)}; ${definition.name} handles ${accepted.map((r) => `${r.kind}.${r.apiVersion}`).join(', ')}`
  }
  const rule = nameRule(parent.apiVersion, parent.kind)
  if (!isValidName(rule, parent.metadata.name))
    return `${what} name ${quote(parent.metadata.name, 80)} is not a valid ${parent.kind} name (${explainNameRule(rule)})`
  const namespaced = (parent.metadata.namespace ?? '') !== ''
  if (namespaced && !isValidNamespace(parent.metadata.namespace!)) {
    return `${what} namespace ${quote(parent.metadata.namespace!, 80)} is not a valid namespace name (${explainNameRule(NAMESPACE_RULE)})`
  }
  if (match.scope === 'Namespaced' && !namespaced)
    return `${what} ${parent.kind} ${parent.metadata.name} is namespaced but has no metadata.namespace`
  if (match.scope === 'Cluster' && namespaced)
    return `${what} ${parent.kind} ${parent.metadata.name} is cluster-scoped but has metadata.namespace`
  return undefined
}

/**
 * The `observed` schema a controller declared for a child (or related) type, as a check run when
 * the controller reads an object of that type: a malformed one refuses the request (400).
 */
export function observedChecks(
  declared: readonly { apiVersion: string; kind?: string; observed?: z.ZodType }[],
  what: 'observed' | 'related',
) {
  const byGroup = new Map(
    declared.filter((t) => t.observed && t.kind).map((t) => [groupKey(t.apiVersion, t.kind!), t]),
  )
  return (key: string): ObservedCheck | undefined => {
    const type = byGroup.get(key)
    if (!type) return undefined
    return (object) => {
      const error = checkBounded(type.observed!, object)
      if (error) {
        const ns = object.metadata.namespace ? `${clip(object.metadata.namespace, 63)}/` : ''
        throw new HookError(
          400,
          `request is not a Metacontroller request: ${what} ${type.kind} ${ns}${clip(object.metadata.name)} is malformed: ${listProblems(formatIssues(error))}`,
        )
      }
    }
  }
}

export function countObjects(map: ObjectMap): number {
  let n = 0
  for (const group of Object.values(map)) n += Object.keys(group).length
  return n
}

/** Nesting past this is refused when it exhausts the stack: Kubernetes objects never come close. */
export const MAX_NESTING = 1000

export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message)
}

/** Whether a value nests deeper than `limit` (iterative: the value may be too deep to recurse into). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= limit) return true
    for (const child of Object.values(v)) stack.push([child, depth + 1])
  }
  return false
}

const MAX_LISTED_PROBLEMS = 5

/** At most a few problems, and how many more there are. */
export function listProblems(problems: string[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ')
  return problems.length > MAX_LISTED_PROBLEMS
    ? `${shown}; … and ${problems.length - MAX_LISTED_PROBLEMS} more`
    : shown
}
