import type { ControllerDefinition, HookName } from './define.ts'

// What a controller's result may hold, and the response built from it: only the documented keys,
// in a fixed order (Metacontroller's v2 hooks are strict about both).

const RESULT_KEYS = {
  composite: ['status', 'children', 'resyncAfterSeconds', 'finalized'],
  decorator: ['labels', 'annotations', 'status', 'attachments', 'resyncAfterSeconds', 'finalized'],
  customize: ['relatedResources'],
} as const

/**
 * Keys a controller returned that the response has no place for, and a missing child list. Either
 * would silently shrink the child list (a mis-cased `Children` means "no children"), so both fail.
 */
export function resultProblems(
  definition: ControllerDefinition,
  hook: HookName,
  result: Record<string, unknown>,
): string[] {
  const allowed: readonly string[] =
    hook === 'customize' ? RESULT_KEYS.customize : RESULT_KEYS[definition.type]
  const problems = Object.keys(result)
    .filter((k) => !allowed.includes(k))
    .map((k) => `unknown response key ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`)
  if (hook !== 'customize') {
    const listKey = definition.type === 'composite' ? 'children' : 'attachments'
    if (!Array.isArray(result[listKey]))
      problems.push(
        `${listKey} must be an array: an omitted list deletes every observed ${listKey === 'children' ? 'child' : 'attachment'}`,
      )
  }
  return problems
}

/** Builds the response with only the documented keys, in a fixed order. */
export function shapeResponse(
  definition: ControllerDefinition,
  hook: HookName,
  result: Record<string, unknown>,
): Record<string, unknown> {
  if (hook === 'customize') return { relatedResources: result.relatedResources }
  const out: Record<string, unknown> = {}
  if (definition.type === 'decorator') {
    if (result.labels !== undefined) out.labels = result.labels
    if (result.annotations !== undefined) out.annotations = result.annotations
    out.status = result.status ?? null
    out.attachments = result.attachments
  } else {
    out.status = result.status
    out.children = result.children
  }
  if (result.resyncAfterSeconds !== undefined) out.resyncAfterSeconds = result.resyncAfterSeconds
  if (hook === 'finalize') out.finalized = result.finalized
  else if (result.finalized !== undefined) out.finalized = result.finalized
  return out
}
