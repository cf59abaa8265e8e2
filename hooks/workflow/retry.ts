import { evaluate, ExprError, parseExpr } from './expr/index.ts'
import { durationSeconds, isFulfilled, iso, type NodeRecord, type Scope } from './nodes.ts'
import { runPod } from './pod-node.ts'
import type { RetryStrategy } from './schema.ts'
import type { NodeCall, Run } from './state.ts'
import { lookup } from './variables.ts'

/**
 * A Retry node over attempts `name(0)`, `name(1)`…: the next attempt starts after the backoff
 * (a fixed time in the status, woken by resyncAfterSeconds) while the policy, the limit and
 * maxDuration allow.
 */
export function runRetry(run: Run, call: NodeCall, retry: RetryStrategy): NodeRecord | undefined {
  const { name, displayName } = call
  const children: string[] = []
  const attempts: NodeRecord[] = []
  const firstStart = run.memo(`${name}(0)`)?.startedAt
  // The first attempt has no last retry: Argo gives it empty values.
  let last: Scope = {
    'lastRetry.exitCode': '',
    'lastRetry.status': '',
    'lastRetry.duration': '',
    'lastRetry.message': '',
  }
  for (let k = 0; ; k++) {
    const avoid = retry.affinity?.nodeAntiAffinity
      ? attempts.map((a) => a.hostNodeName).filter((h): h is string => h !== undefined)
      : []
    const attempt = runPod(
      run,
      {
        ...call,
        name: `${name}(${k})`,
        displayName: `${displayName}(${k})`,
        scope: { ...call.scope, ...last },
        ...(avoid.length > 0 && { avoidNodes: [...new Set(avoid)].sort() }),
      },
      k,
    )
    if (!attempt) {
      if (k === 0) return undefined
      return run.record(name, {
        displayName,
        type: 'Retry',
        phase: 'Running',
        startedAt: firstStart ?? run.now,
        children,
      })
    }
    children.push(run.id(attempt.name))
    attempts.push(attempt)
    const base = {
      displayName,
      type: 'Retry' as const,
      startedAt: attempts[0]!.startedAt,
      children,
    }
    if (!isFulfilled(attempt.phase))
      return run.record(name, {
        ...base,
        phase: 'Running',
        ...(attempt.daemoned && { daemoned: true }),
      })
    if (attempt.phase === 'Succeeded')
      return run.record(name, {
        ...base,
        phase: 'Succeeded',
        finishedAt: attempt.finishedAt,
        ...(attempt.outputs && { outputs: attempt.outputs }),
      })
    last = lastRetry(attempt)
    const policyAllows =
      allows(retry.retryPolicy, attempt) && expressionAllows(run, call, retry, last)
    const started = Date.parse(base.startedAt ?? run.now)
    const maxDuration = retry.backoff?.maxDuration
      ? durationSeconds(retry.backoff.maxDuration)
      : undefined
    const withinWindow = maxDuration === undefined || run.nowMs - started < maxDuration * 1000
    const limit = retry.limit ?? Number.POSITIVE_INFINITY
    if (run.terminating || !policyAllows || k >= limit || !withinWindow) {
      const why =
        k >= limit
          ? `retry limit ${limit} reached`
          : !withinWindow
            ? 'retry maxDuration exceeded'
            : retry.expression !== undefined && allows(retry.retryPolicy, attempt)
              ? `not retried (expression ${retry.expression} is false)`
              : `not retried (${retry.retryPolicy})`
      return run.record(name, {
        ...base,
        phase: attempt.phase,
        finishedAt: attempt.finishedAt,
        message: `${attempt.message ?? attempt.phase}; ${why}`,
      })
    }
    const readyAt = Date.parse(attempt.finishedAt ?? run.now) + backoffSeconds(retry, k) * 1000
    if (readyAt > run.nowMs && !run.memo(`${name}(${k + 1})`)) {
      run.wake((readyAt - run.nowMs) / 1000)
      // A fixed time, not a countdown: the status must not change while we wait.
      return run.record(name, { ...base, phase: 'Running', message: `retrying at ${iso(readyAt)}` })
    }
  }
}

/** The wait after attempt k failed: duration × factor^k, capped. */
export function backoffSeconds(retry: RetryStrategy, k: number): number {
  const grown = durationSeconds(retry.backoff?.duration) * Math.pow(retry.backoff?.factor ?? 1, k)
  return retry.backoff?.cap ? Math.min(grown, durationSeconds(retry.backoff.cap)) : grown
}

/** Errors of the Pod's surroundings, not of the step: what OnTransientError retries. */
const TRANSIENT =
  /the Pod was deleted|low on resource|Evicted|Preempt|NodeLost|node .* (was lost|not ready)|UnexpectedAdmissionError|OutOf(cpu|memory|pods)|Terminated|DeadlineExceeded.*node/i

function allows(policy: RetryStrategy['retryPolicy'], attempt: NodeRecord): boolean {
  switch (policy) {
    case 'Always':
      return true
    case 'OnFailure':
      return attempt.phase === 'Failed'
    case 'OnError':
      return attempt.phase === 'Error'
    case 'OnTransientError':
      return attempt.phase === 'Error' && TRANSIENT.test(attempt.message ?? '')
  }
}

/** `lastRetry.*` as Argo gives them to the next attempt and to `retryStrategy.expression`. */
function lastRetry(attempt: NodeRecord): Scope {
  const duration =
    attempt.startedAt && attempt.finishedAt
      ? (Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt)) / 1000
      : 0
  return {
    'lastRetry.exitCode':
      attempt.outputs?.exitCode !== undefined ? String(attempt.outputs.exitCode) : '',
    'lastRetry.status': attempt.phase,
    'lastRetry.duration': String(duration),
    'lastRetry.message': attempt.message ?? '',
  }
}

/** `retryStrategy.expression` (expr syntax, without braces) over lastRetry: retry only when true. */
function expressionAllows(run: Run, call: NodeCall, retry: RetryStrategy, last: Scope): boolean {
  if (retry.expression === undefined) return true
  const value = evaluate(parseExpr(retry.expression), lookup(run, { ...call.scope, ...last }).env())
  if (typeof value !== 'boolean')
    throw new ExprError(
      `retryStrategy.expression ${retry.expression} is ${JSON.stringify(value)}, not true or false`,
    )
  return value
}
