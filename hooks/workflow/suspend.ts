import { DURATION, durationSeconds, isFulfilled, iso, type NodeRecord } from './nodes.ts'
import type { NodeCall, Run } from './state.ts'
import { substitute } from './substitute.ts'
import { lookup } from './variables.ts'
import { exportGlobals } from './outputs.ts'

/** A suspend template: done after its duration (woken by resyncAfterSeconds) or when resumed by name. */
export function runSuspend(run: Run, call: NodeCall): NodeRecord | undefined {
  const { name, displayName, template } = call
  const memo = run.memo(name)
  if (memo && isFulfilled(memo.phase)) return run.record(name, { ...memo })
  if (!memo && !run.scheduling) return undefined
  const startedAt = memo?.startedAt ?? run.now
  const node = (fields: Omit<NodeRecord, 'name' | 'displayName' | 'type' | 'startedAt'>) =>
    run.record(name, { displayName, type: 'Suspend', startedAt, ...fields })
  if ((run.spec.resume ?? []).includes(displayName)) {
    const outputs = supplied(run, call)
    if (typeof outputs === 'string')
      return node({ phase: 'Error', finishedAt: run.now, message: outputs })
    return node({
      phase: 'Succeeded',
      finishedAt: run.now,
      message: 'resumed',
      ...(outputs && { outputs }),
    })
  }
  if (run.terminating)
    return node({ phase: 'Failed', finishedAt: run.now, message: run.terminating })
  const duration =
    template.suspend!.duration === undefined
      ? undefined
      : substitute(template.suspend!.duration, lookup(run, call.scope))
  if (duration !== undefined && !DURATION.test(duration))
    return node({
      phase: 'Error',
      finishedAt: run.now,
      message: `suspend duration ${JSON.stringify(duration)} is not a duration`,
    })
  if (duration !== undefined) {
    const endsAt = Date.parse(startedAt) + durationSeconds(duration) * 1000
    if (endsAt <= run.nowMs) {
      const outputs = supplied(run, call)
      if (typeof outputs === 'string')
        return node({ phase: 'Error', finishedAt: iso(endsAt), message: outputs })
      return node({ phase: 'Succeeded', finishedAt: iso(endsAt), ...(outputs && { outputs }) })
    }
    run.wake((endsAt - run.nowMs) / 1000)
  }
  return node({
    phase: 'Running',
    message: duration
      ? `suspended for ${duration}`
      : `suspended until resumed (spec.resume: [${displayName}])`,
  })
}

/**
 * Output parameters with `valueFrom.supplied`: what the user gave when resuming
 * (`spec.suppliedParameters.<node>.<parameter>`, Argo's `argo node set --output-parameter`), else
 * the default; neither is an Error naming the parameter.
 */
function supplied(run: Run, call: NodeCall): NodeRecord['outputs'] | string | undefined {
  const declared = (call.template.outputs?.parameters ?? []).filter(
    (p) => p.valueFrom?.supplied !== undefined,
  )
  if (declared.length === 0) return undefined
  const given = run.spec.suppliedParameters?.[call.displayName] ?? {}
  const parameters: Record<string, string> = {}
  for (const p of declared) {
    const value = given[p.name] ?? p.valueFrom?.default
    if (value === undefined)
      return `no value supplied for output parameter ${p.name} (spec.suppliedParameters.${call.displayName}.${p.name})`
    parameters[p.name] = value
  }
  exportGlobals(run, call, parameters)
  return { parameters }
}
