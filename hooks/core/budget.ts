/** What `withinBudget` resolves to when the work did not finish in time. */
export const OVER_BUDGET: unique symbol = Symbol('over budget')

/**
 * Resolves with the work's result, or OVER_BUDGET once `ms` have passed (0 = no budget). The work
 * itself cannot be cancelled in JavaScript: it runs on and its late result is dropped. A budget
 * below Metacontroller's webhook timeout turns a hung controller into a clear 503 instead of a
 * timeout whose only trace is "context deadline exceeded" in Metacontroller's log.
 */
export function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | typeof OVER_BUDGET> {
  if (ms <= 0) return work
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<typeof OVER_BUDGET>((resolve) => {
    timer = setTimeout(() => resolve(OVER_BUDGET), ms)
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}
