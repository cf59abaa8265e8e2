import { fnv32a, HookError, type KObject } from 'metahooks'
import { isWorkflowDone } from './nodes.ts'
import type { Synchronization } from './schema.ts'

/**
 * Argo's workflow-level synchronization without a controller's memory. Each lock has `limit`
 * slots (a mutex one, a semaphore the number in its ConfigMap key), and each slot is a ConfigMap
 * with a fixed name, owned by the Workflow holding it: the API server lets one object have a name,
 * so two hook replicas or two calls in flight can never both take a slot — the loser's create is
 * refused and it sees the winner at its next sync. Who may take a free slot is decided from the
 * other Workflows Metacontroller relates (customize): the waiting ones in order of creation, then
 * name. A workflow starts once it holds every lock it asks for; a slot goes (is deleted) when its
 * workflow ends.
 */

export const LOCK_LABEL = 'workflows.metahooks.dev/lock'
const LOCK_ANNOTATION = 'workflows.metahooks.dev/lock-name'

export interface Lock {
  /** As Argo names it in the status: `<namespace>/Mutex/<name>` or `<namespace>/ConfigMap/<name>/<key>`. */
  key: string
  kind: 'mutex' | 'semaphore'
  limitFrom?: { name: string; key: string }
}

export type Workflow = KObject & {
  spec?: { synchronization?: Synchronization; priority?: unknown }
  status?: { phase?: unknown }
}

/** The locks a spec asks for (`mutex`/`mutexes`, `semaphore`/`semaphores`), each once. */
export function locksOf(
  sync: Synchronization | undefined,
  namespace: string,
  where = 'spec.synchronization',
): Lock[] {
  const locks = new Map<string, Lock>()
  const inNamespace = (ns: string | undefined, what: string) => {
    if (ns !== undefined && ns !== namespace)
      throw new HookError(
        422,
        `invalid parent spec: ${where}: ${what} is in namespace ${ns}; locks in another namespace than the workflow's are not supported`,
      )
  }
  for (const m of [...(sync?.mutexes ?? []), ...(sync?.mutex ? [sync.mutex] : [])]) {
    inNamespace(m.namespace, `mutex ${m.name}`)
    const key = `${namespace}/Mutex/${m.name}`
    locks.set(key, { key, kind: 'mutex' })
  }
  for (const s of [...(sync?.semaphores ?? []), ...(sync?.semaphore ? [sync.semaphore] : [])]) {
    const { name, key: entry } = s.configMapKeyRef
    inNamespace(s.namespace, `semaphore ${name}/${entry}`)
    const key = `${namespace}/ConfigMap/${name}/${entry}`
    locks.set(key, { key, kind: 'semaphore', limitFrom: { name, key: entry } })
  }
  return [...locks.values()]
}

/** The ConfigMap that is slot `slot` of a lock. */
export function slotObject(lock: Lock, slot: number, holder: string): KObject {
  const hash = fnv32a(lock.key)
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `metahooks-lock-${hash}-${slot}`,
      labels: { [LOCK_LABEL]: hash },
      annotations: { [LOCK_ANNOTATION]: lock.key },
    },
    data: { lock: lock.key, slot: String(slot), holder },
  } as KObject
}

export interface LockWorld {
  workflow: Queued & { uid?: string }
  /** Related ConfigMaps' data by name (semaphore limits). */
  configMaps: Record<string, Record<string, string>>
  /** Related ConfigMaps labelled as lock slots, every workflow's. */
  slots: readonly KObject[]
  /** Related Workflows of the namespace. */
  workflows: readonly Workflow[]
}

export interface Admission {
  /** Whether the workflow holds every lock it asks for. */
  admitted: boolean
  /** The slots the answer must hold: those it holds, and those it takes now. */
  slots: KObject[]
  /** Why it waits (Argo's wording). */
  message?: string
  /** `status.synchronization`, as Argo shows it. */
  status: Record<string, unknown>
}

export function admit(locks: readonly Lock[], world: LockWorld): Admission {
  const me = world.workflow
  const slots: KObject[] = []
  const messages: string[] = []
  let held = 0
  const mutex = {
    holding: [] as { mutex: string; holder: string }[],
    waiting: [] as { mutex: string; holder: string }[],
  }
  const semaphore = {
    holding: [] as { semaphore: string; holders: string[] }[],
    waiting: [] as { semaphore: string; holders: string[] }[],
  }
  for (const lock of locks) {
    const observed = world.slots.filter((o) => o.metadata.labels?.[LOCK_LABEL] === fnv32a(lock.key))
    const taken = observed.map((o) => ({ slot: slotIndex(o), holder: holderOf(o) }))
    // The workflow's own slot, not one a node of it holds (template-level, node-locks.ts).
    const own = observed.find((o) => heldBy(o, me, me.name))
    const mine = own && { slot: slotIndex(own) }
    const holders = [...new Set(taken.map((t) => t.holder.name))].sort()
    if (mine) {
      held++
      slots.push(slotObject(lock, mine.slot, me.name))
      if (lock.kind === 'mutex') mutex.holding.push({ mutex: lock.key, holder: me.name })
      else semaphore.holding.push({ semaphore: lock.key, holders: [me.name] })
      continue
    }
    if (lock.kind === 'mutex') mutex.waiting.push({ mutex: lock.key, holder: holders[0] ?? '' })
    else semaphore.waiting.push({ semaphore: lock.key, holders })
    const limit = limitOf(lock, world.configMaps)
    if (typeof limit === 'string') {
      messages.push(`Waiting for ${lock.key} lock: ${limit}`)
      continue
    }
    const free = Array.from({ length: limit }, (_, i) => i).filter(
      (i) => !taken.some((t) => t.slot === i),
    )
    messages.push(`Waiting for ${lock.key} lock. Lock status: ${free.length}/${limit}`)
    // The first `free.length` workflows in the queue take the free slots.
    const place = queue(lock, taken, world).findIndex((w) => w.name === me.name)
    if (place < free.length) slots.push(slotObject(lock, free[place]!, me.name))
  }
  return {
    admitted: held === locks.length,
    slots,
    ...(messages.length > 0 && { message: messages.join('; ') }),
    status: {
      ...((mutex.holding.length > 0 || mutex.waiting.length > 0) && { mutex: compactLists(mutex) }),
      ...((semaphore.holding.length > 0 || semaphore.waiting.length > 0) && {
        semaphore: compactLists(semaphore),
      }),
    },
  }
}

/** The workflows (this one among them) waiting for a lock: not done, not holding a slot of it; oldest first, then by name. */
function queue(
  lock: Lock,
  taken: readonly { holder: { name: string; uid?: string } }[],
  world: LockWorld,
): Queued[] {
  const me = world.workflow
  const others = world.workflows
    .filter(
      (w) => w.metadata.name !== me.name && !isWorkflowDone(w.status?.phase) && asks(w, lock.key),
    )
    .map((w) => ({ ...queued(w), ...(w.metadata.uid && { uid: w.metadata.uid }) }))
    .filter((w) => !taken.some((t) => isMe(t.holder, w)))
  return [...others, me].sort(byTurn)
}

/** What decides a waiter's turn: Argo's workflow priority (higher first), then creation time, then name. */
export interface Queued {
  name: string
  creationTimestamp?: string
  priority?: number
}

export const queued = (w: Workflow): Queued => ({
  name: w.metadata.name,
  ...(typeof w.metadata.creationTimestamp === 'string' && {
    creationTimestamp: w.metadata.creationTimestamp,
  }),
  ...(typeof w.spec?.priority === 'number' && { priority: w.spec.priority }),
})

export const byTurn = (a: Queued, b: Queued): number =>
  (b.priority ?? 0) - (a.priority ?? 0) ||
  (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') ||
  a.name.localeCompare(b.name)

function compactLists<T extends Record<string, unknown[]>>(lists: T): Partial<T> {
  return Object.fromEntries(Object.entries(lists).filter(([, v]) => v.length > 0)) as Partial<T>
}

export function limitOf(
  lock: Lock,
  configMaps: Record<string, Record<string, string>>,
): number | string {
  if (lock.kind === 'mutex') return 1
  const { name, key } = lock.limitFrom!
  const text = configMaps[name]?.[key]
  if (text === undefined)
    return configMaps[name]
      ? `ConfigMap ${name} has no key ${key} (the semaphore's limit)`
      : `ConfigMap ${name} (the semaphore's limit) is not there`
  const limit = Number(text.trim())
  return Number.isInteger(limit) && limit >= 0
    ? limit
    : `ConfigMap ${name} key ${key} is ${JSON.stringify(text)}, not a whole number (the semaphore's limit)`
}

export function slotIndex(o: KObject): number {
  const n = Number(
    (o as { data?: { slot?: string } }).data?.slot ?? o.metadata.name.split('-').pop(),
  )
  return Number.isInteger(n) ? n : -1
}

/**
 * Whether a slot is `holder`'s (`<workflow>` for the workflow's own lock, `<workflow>/<node>` for a
 * node's): owned by that workflow and saying so (a slot from before node locks says nothing: the workflow's).
 */
export function heldBy(
  o: KObject,
  workflow: { name: string; uid?: string },
  holder: string,
): boolean {
  return (
    isMe(holderOf(o), workflow) &&
    ((o as { data?: { holder?: string } }).data?.holder ?? workflow.name) === holder
  )
}

/** Who holds a slot: its controller owner (the API server's record), else what it says. */
export function holderOf(o: KObject): { name: string; uid?: string } {
  const owner = (
    o.metadata.ownerReferences as { controller?: boolean; name: string; uid: string }[] | undefined
  )?.find((r) => r.controller === true)
  if (owner) return { name: owner.name, uid: owner.uid }
  return { name: (o as { data?: { holder?: string } }).data?.holder ?? '' }
}

export const isMe = (holder: { name: string; uid?: string }, me: { name: string; uid?: string }) =>
  holder.uid !== undefined && me.uid !== undefined ? holder.uid === me.uid : holder.name === me.name

export function asks(w: Workflow, key: string): boolean {
  try {
    return locksOf(w.spec?.synchronization, key.split('/')[0]!).some((l) => l.key === key)
  } catch {
    // Another workflow's spec we cannot read: it is refused at its own sync, not waited for here.
    return false
  }
}
