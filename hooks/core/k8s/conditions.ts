/** A status condition as our controllers report it (no clock: lastTransitionTime only when observed). */
export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason: string
  message: string
  lastTransitionTime?: string
}

export function condition(
  type: string,
  status: boolean | 'Unknown',
  reason: string,
  message: string,
  lastTransitionTime?: string,
): Condition {
  const c: Condition = {
    type,
    status: status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False',
    reason,
    message,
  }
  if (lastTransitionTime) c.lastTransitionTime = lastTransitionTime
  return c
}

/** Finds a condition of a type in an observed object's `status.conditions`. */
export function findCondition(
  object: object | undefined,
  type: string,
):
  | {
      type: string
      status?: string
      reason?: string
      message?: string
      lastTransitionTime?: string
    }
  | undefined {
  const conditions = (object as { status?: { conditions?: unknown } } | undefined)?.status
    ?.conditions
  if (!Array.isArray(conditions)) return undefined
  return conditions.find(
    (c): c is { type: string } =>
      typeof c === 'object' && c !== null && (c as { type?: unknown }).type === type,
  )
}
