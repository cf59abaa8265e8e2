import * as z from 'zod'
import type { KObject } from 'metahooks'
import type { Memo } from './compact.ts'
import type { NodeRecord } from './nodes.ts'
import { NODE_NAME_ANNOTATION } from './pods.ts'

/**
 * `argo retry` for a hook that cannot be called: a Failed or Error workflow runs again from where
 * it failed when its annotation `workflows.metahooks.dev/retry` takes a value it has not acted on
 * (any text; the time is a good one, as `kubectl rollout restart` writes). What succeeded stays;
 * every other node is forgotten and worked out again, so failed steps run anew and what waited on
 * them runs for the first time. The exit handler runs again at the end.
 *
 * A rerun step's Pod keeps its name (as in Argo), so the failed Pod must be gone before the new
 * one is asked for: the retry leaves the old Pods out of the answer (Metacontroller deletes them)
 * and `status.retry.waitingForPods` names them by uid until they are no longer observed. Until
 * then they are not read (they hold the last attempt's end) and their new Pods are held back.
 */

export const RETRY_ANNOTATION = 'workflows.metahooks.dev/retry'

/**
 * The change that asks for a retry (a JSON merge patch): a new request, and no spec.shutdown
 * (Argo's retry clears it too; a stopped workflow would stop again at once).
 */
export const retryPatch = (now: Date) => ({
  metadata: { annotations: { [RETRY_ANNOTATION]: now.toISOString() } },
  spec: { shutdown: null },
})

const PodRef = z.object({ name: z.string(), uid: z.string() })
type PodRef = z.output<typeof PodRef>

/** `status.retry` (checked by the toolkit before sync runs: WorkflowObservedStatus, status-schema.ts). */
export const RetryStatus = z.object({
  /** The annotation's value last acted on (retried, or refused with `message`). */
  request: z.string().optional(),
  /** How many times the workflow was retried. */
  count: z.number().int().nonnegative(),
  retriedAt: z.string().optional(),
  /** Why the last request was not carried out. */
  message: z.string().optional(),
  /** The previous attempts' Pods being deleted: their new Pods wait for them to go. */
  waitingForPods: z.array(PodRef).optional(),
})
export type RetryStatus = z.output<typeof RetryStatus>

export type RetryAsk =
  | { kind: 'none' }
  | { kind: 'refused'; request: string; message: string }
  | { kind: 'retry'; request: string }

/** Whether a workflow in this phase (as its status says) can be retried: it ended Failed or Error. */
export const retryable = (phase: unknown): boolean => phase === 'Failed' || phase === 'Error'

/** Whether the annotation asks for a retry not acted on yet, and whether it can be carried out. */
export function retryAsked(
  annotations: Record<string, string> | undefined,
  phase: unknown,
  shutdown: string | undefined,
  previous: RetryStatus | undefined,
): RetryAsk {
  const request = annotations?.[RETRY_ANNOTATION]
  if (request === undefined || request === previous?.request) return { kind: 'none' }
  if (!retryable(phase))
    return {
      kind: 'refused',
      request,
      message: `not retried: the workflow was ${typeof phase === 'string' ? phase : 'Pending'}; only a Failed or Error workflow is retried`,
    }
  if (shutdown !== undefined)
    return {
      kind: 'refused',
      request,
      message: `not retried: spec.shutdown is ${shutdown}, which would stop it again; remove it in the same change as the annotation`,
    }
  return { kind: 'retry', request }
}

/**
 * The memo a retried run starts from: the nodes that succeeded (Pods and resumed suspends, and
 * every attempt of a retryStrategy that ended in success), minus the exit handler's and the
 * hooks of any step that runs again. Group nodes are left out too: the engine derives them from
 * their children. `rerun` names what was forgotten, to find its Pods.
 */
export function resetForRetry(workflow: string, memo: Memo): { memo: Memo; rerun: Set<string> } {
  const exit = `${workflow}.onExit`
  const succeededRetries = new Set<string>()
  for (const [name, n] of memo.nodes)
    if (n.type === 'Retry' && n.phase === 'Succeeded') succeededRetries.add(name)
  const keeps = (n: NodeRecord): boolean => {
    if (n.name === exit || n.name.startsWith(`${exit}.`) || n.name.startsWith(`${exit}(`))
      return false
    if (succeededRetries.size > 0 && n.name.endsWith(')')) {
      const attemptOf = /^(.*)\(\d+\)$/.exec(n.name)?.[1]
      if (attemptOf !== undefined && succeededRetries.has(attemptOf)) return true
    }
    return n.phase === 'Succeeded' && (n.type === 'Pod' || n.type === 'Suspend')
  }
  const kept = new Map<string, NodeRecord>()
  const rerun = new Set<string>()
  for (const [name, n] of memo.nodes) {
    if (keeps(n)) kept.set(name, n)
    else rerun.add(name)
  }
  // A step that runs again runs its own exit handler and hooks again (they hang below its name,
  // as `<step>.onExit` and `<step>.hooks.<name>`).
  const leaves = new Set(
    [...rerun].filter((name) => ['Pod', 'Suspend'].includes(memo.nodes.get(name)!.type)),
  )
  const belowLeaf = (name: string) => {
    if (!name.includes('.onExit') && !name.includes('.hooks.')) return false
    for (let i = name.indexOf('.'); i > 0; i = name.indexOf('.', i + 1))
      if (leaves.has(name.slice(0, i))) return true
    return false
  }
  for (const name of kept.keys())
    if (belowLeaf(name)) {
      kept.delete(name)
      rerun.add(name)
    }
  const ids = new Map([...memo.ids].filter(([name]) => kept.has(name)))
  return { memo: { ...memo, nodes: kept, ids }, rerun }
}

/** Observed Pods (those the API server has given a uid) as status.retry names them. */
const refsOf = (pods: readonly KObject[]): PodRef[] =>
  pods.flatMap((p) => (p.metadata.uid ? [{ name: p.metadata.name, uid: p.metadata.uid }] : []))

/** The observed Pods of forgotten nodes: left out of the answer, so Metacontroller deletes them. */
const podsOf = (pods: readonly KObject[], rerun: Set<string>): PodRef[] =>
  refsOf(pods.filter((p) => rerun.has(p.metadata.annotations?.[NODE_NAME_ANNOTATION] ?? '')))

export interface Retried {
  /** The memo to evaluate: the reset one when the workflow restarts now. */
  memo: Memo
  /** The observed Pods to read: without the previous attempts' being deleted. */
  pods: KObject[]
  /** Whether the workflow restarts in this sync (it is Running again, from now). */
  restarted: boolean
  status: RetryStatus | undefined
  /** Previous attempts' Pods still observed (being deleted). */
  waiting: PodRef[]
}

/**
 * Carries out what `ask` says on this sync's memo and Pods. `lockWait` (why the workflow's locks
 * are not free) holds a retry back until they are: a retried run takes its locks again.
 */
export function applyRetry(options: {
  workflow: string
  memo: Memo
  pods: readonly KObject[]
  ask: RetryAsk
  previous: RetryStatus | undefined
  now: string
  lockWait?: string | undefined
}): Retried {
  const { ask, previous, pods } = options
  const observed = new Set(pods.map((p) => p.metadata.uid))
  const stillThere = (refs: readonly PodRef[]) => refs.filter((w) => observed.has(w.uid))
  const { waitingForPods: _, ...before } = previous ?? { count: 0 }
  const unchanged = { memo: options.memo, restarted: false }
  const next = ((): Pick<Retried, 'memo' | 'restarted' | 'status'> & { stale?: PodRef[] } => {
    if (ask.kind === 'none') return { ...unchanged, status: previous && before }
    if (ask.kind === 'refused')
      return { ...unchanged, status: { ...before, request: ask.request, message: ask.message } }
    if (options.lockWait !== undefined)
      return {
        ...unchanged,
        status: { ...before, message: `waiting to retry: ${options.lockWait}` },
      }
    const reset = resetForRetry(options.workflow, options.memo)
    return {
      memo: reset.memo,
      restarted: true,
      status: { request: ask.request, count: before.count + 1, retriedAt: options.now },
      stale: podsOf(pods, reset.rerun),
    }
  })()
  const waiting = stillThere(unique([...(previous?.waitingForPods ?? []), ...(next.stale ?? [])]))
  const old = new Set(waiting.map((w) => w.uid))
  return {
    memo: next.memo,
    pods: pods.filter((p) => !old.has(p.metadata.uid!)),
    restarted: next.restarted,
    status: next.status,
    waiting,
  }
}

/**
 * After the evaluation: the Pods a restart leaves out of its answer are being deleted too (steps
 * after a rerun one are forgotten until it ends), so they join the waiting ones; a Pod of a waiting
 * one's name is not asked for yet. The status names what is still waited for.
 */
export function holdPods(
  retried: Retried,
  observed: readonly KObject[],
  desired: readonly KObject[],
): { held: Set<string>; status: RetryStatus | undefined } {
  const asked = new Set(desired.map((p) => p.metadata.name))
  const left = retried.restarted ? refsOf(observed.filter((p) => !asked.has(p.metadata.name))) : []
  const waiting = unique([...retried.waiting, ...left])
  const status =
    retried.status && waiting.length > 0
      ? { ...retried.status, waitingForPods: waiting }
      : retried.status
  return { held: new Set(waiting.map((w) => w.name)), status }
}

const unique = (refs: readonly PodRef[]): PodRef[] =>
  [...new Map(refs.map((r) => [r.uid, r])).values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0,
  )
