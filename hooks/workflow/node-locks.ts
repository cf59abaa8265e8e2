import { fnv32a, type KObject } from 'metahooks'
import { isWorkflowDone } from './nodes.ts'
import type { Synchronization } from './schema.ts'
import {
  asks,
  byTurn,
  heldBy,
  queued,
  limitOf,
  LOCK_LABEL,
  locksOf,
  slotIndex,
  slotObject,
  type Lock,
  type LockWorld,
  type Workflow,
} from './synchronization.ts'

/**
 * Template-level synchronization: a node of a template with `synchronization` runs once it holds
 * a slot of each lock it names, and gives them back when it ends. The slots are the same
 * ConfigMaps workflow-level locks use (a lock is one lock at either level, as in Argo), owned by
 * the workflow, their `holder` `<workflow>/<node>`. Free slots go first to older workflows'
 * waiters (workflow-level ones, and nodes their status shows waiting), then to this workflow's
 * nodes in the order they are evaluated; as for workflow-level locks, the API server arbitrates
 * a slot two workflows want at once, and a node runs only once it sees the slot as its own.
 */

/** Set on a node waiting for a lock (in `status.nodes`): what other workflows read to queue behind it. */
export interface LockWait {
  waitingForLock: string
}

export class NodeLocks {
  /** The slots the answer holds: taken now, or held by nodes still running. */
  readonly slots: KObject[] = []
  /** Slots taken in this evaluation, per lock (a later node waits behind them). */
  readonly #taken = new Map<string, number>()
  readonly #holding: { lock: Lock; node: string }[] = []
  readonly #waiting: { lock: Lock; node: string }[] = []

  constructor(
    readonly world: LockWorld,
    readonly namespace: string,
  ) {}

  /**
   * Whether the node may run now. A node that holds every slot it needs may; otherwise it takes
   * the free slots that are its turn (they become its own by the next sync) and waits, saying for
   * what. A node that has started keeps the slots it holds and takes no new ones.
   */
  acquire(
    node: string,
    template: string,
    sync: Synchronization,
    started: boolean,
  ): { admitted: true } | { admitted: false; message: string; lock: string } {
    const me = this.world.workflow
    const holder = `${me.name}/${node}`
    const messages: string[] = []
    let first: string | undefined
    for (const lock of locksOf(sync, this.namespace, `template ${template}: synchronization`)) {
      const taken = this.world.slots.filter(
        (o) => o.metadata.labels?.[LOCK_LABEL] === fnv32a(lock.key),
      )
      const mine = taken.find((o) => heldBy(o, me, holder))
      if (mine) {
        this.slots.push(slotObject(lock, slotIndex(mine), holder))
        this.#holding.push({ lock, node })
        continue
      }
      if (started) continue
      first ??= lock.key
      this.#waiting.push({ lock, node })
      const limit = limitOf(lock, this.world.configMaps)
      if (typeof limit === 'string') {
        messages.push(`Waiting for ${lock.key} lock: ${limit}`)
        continue
      }
      const free = Array.from({ length: limit }, (_, i) => i).filter(
        (i) => !taken.some((o) => slotIndex(o) === i),
      )
      messages.push(`Waiting for ${lock.key} lock. Lock status: ${free.length}/${limit}`)
      const ahead = this.#olderWaiters(lock) + (this.#taken.get(lock.key) ?? 0)
      if (ahead < free.length) {
        this.slots.push(slotObject(lock, free[ahead]!, holder))
        this.#taken.set(lock.key, (this.#taken.get(lock.key) ?? 0) + 1)
      }
    }
    return messages.length === 0
      ? { admitted: true }
      : { admitted: false, message: messages.join('; '), lock: first! }
  }

  /** Waiters in workflows whose turn comes first (priority, creation time, name): workflow-level ones and their nodes waiting. */
  #olderWaiters(lock: Lock): number {
    const me = this.world.workflow
    const before = (w: Workflow) => byTurn(queued(w), me) < 0
    let count = 0
    for (const w of this.world.workflows) {
      if (w.metadata.name === me.name || isWorkflowDone(w.status?.phase) || !before(w)) continue
      const holds = this.world.slots.some((o) =>
        heldBy(
          o,
          { name: w.metadata.name, ...(w.metadata.uid && { uid: w.metadata.uid }) },
          w.metadata.name,
        ),
      )
      if (!holds && asks(w, lock.key) && w.status?.phase === 'Pending') count++
      const nodes =
        (w.status as { nodes?: Record<string, Partial<LockWait> & { phase?: string }> } | undefined)
          ?.nodes ?? {}
      for (const n of Object.values(nodes))
        if (n.waitingForLock === lock.key && n.phase === 'Pending') count++
    }
    return count
  }

  /** Argo's `status.synchronization` entries of the nodes (holder: the node's name). */
  status(): { mutex?: Record<string, unknown[]>; semaphore?: Record<string, unknown[]> } {
    const mutex: Record<string, unknown[]> = {}
    const semaphore: Record<string, unknown[]> = {}
    for (const [list, key] of [
      [this.#holding, 'holding'],
      [this.#waiting, 'waiting'],
    ] as const) {
      for (const { lock, node } of list) {
        if (lock.kind === 'mutex') (mutex[key] ??= []).push({ mutex: lock.key, holder: node })
        else (semaphore[key] ??= []).push({ semaphore: lock.key, holders: [node] })
      }
    }
    return {
      ...(Object.keys(mutex).length > 0 && { mutex }),
      ...(Object.keys(semaphore).length > 0 && { semaphore }),
    }
  }
}
