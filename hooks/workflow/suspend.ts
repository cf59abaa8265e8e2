import { durationSeconds, isFulfilled, iso, type NodeRecord } from './nodes.ts'
import type { NodeCall, Run } from './state.ts'
import { substitute } from './substitute.ts'
import { lookup } from './variables.ts'

/** A suspend template: done after its duration (woken by resyncAfterSeconds) or when resumed by name. */
export function runSuspend(run: Run, call: NodeCall): NodeRecord | undefined {
  const { name, displayName, template } = call
  const memo = run.memo(name)
  if (memo && isFulfilled(memo.phase)) return run.record(name, { ...memo })
  if (!memo && !run.scheduling) return undefined
  const startedAt = memo?.startedAt ?? run.now
  const node = (fields: Omit<NodeRecord, 'name' | 'displayName' | 'type' | 'startedAt'>) => run.record(name, { displayName, type: 'Suspend', startedAt, ...fields })
  if ((run.spec.resume ?? []).includes(displayName)) return node({ phase: 'Succeeded', finishedAt: run.now, message: 'resumed' })
  if (run.terminating) return node({ phase: 'Failed', finishedAt: run.now, message: run.terminating })
  const duration = template.suspend!.duration === undefined ? undefined : substitute(template.suspend!.duration, lookup(run, call.scope))
  if (duration !== undefined && !/^(\d+(\.\d+)?(ms|s|m|h))+$|^\d+$/.test(duration)) return node({ phase: 'Error', finishedAt: run.now, message: `suspend duration ${JSON.stringify(duration)} is not a duration` })
  if (duration !== undefined) {
    const endsAt = Date.parse(startedAt) + durationSeconds(duration) * 1000
    if (endsAt <= run.nowMs) return node({ phase: 'Succeeded', finishedAt: iso(endsAt) })
    run.wake((endsAt - run.nowMs) / 1000)
  }
  return node({ phase: 'Running', message: duration ? `suspended for ${duration}` : `suspended until resumed (spec.resume: [${displayName}])` })
}
