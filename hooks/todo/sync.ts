import type { CompositeSyncResult, HookContext } from 'metahooks'
import type { ToDoSpec } from './schema.ts'

const DAY = 86_400_000

/**
 * No children: the status says whether the item is overdue, and a resync is scheduled for the
 * next midnight UTC while that can still change. The hook reads the clock only through `now`
 * (the request time to the minute), so a request answers the same within its minute.
 */
export function sync({ spec, now }: HookContext<ToDoSpec>): CompositeSyncResult {
  if (!spec.dueDate) return { children: [], status: { state: 'NoDueDate', overdue: false } }
  const today = now!.toISOString().slice(0, 10)
  const state = spec.dueDate < today ? 'Overdue' : spec.dueDate === today ? 'DueToday' : 'Upcoming'
  const status = { state, overdue: state === 'Overdue' }
  if (state === 'Overdue') return { children: [], status }
  // Rounded up to a whole minute after midnight: `now` is truncated, so never wake a day early.
  const nextMidnight = Math.floor(now!.getTime() / DAY) * DAY + DAY
  return {
    children: [],
    status,
    resyncAfterSeconds: Math.ceil((nextMidnight - now!.getTime()) / 1000),
  }
}
