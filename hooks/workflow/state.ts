import { fnv32a, type KObject } from 'metahooks'
import { nodeId, type Memo } from './compact.ts'
import { podNamer } from './pods.ts'
import { isFulfilled, iso, latest, type NodeRecord, type Scope } from './nodes.ts'
import type { ArtifactRepository, Location } from './artifact-schema.ts'
import type { NodeLocks } from './node-locks.ts'
import type { ImageEntrypoints } from './entrypoints.ts'
import { DEFAULT_EXECUTOR_IMAGE } from './executor.ts'
import type { Template, WorkflowSpec } from './schema.ts'
import { outputsRead, resultsRead } from './variables.ts'

/**
 * One evaluation's state: what it read (the input) and what it is building (nodes, Pods, the next
 * wake-up). Every template kind reads and writes through it; nothing else is shared between them.
 */

export interface EngineInput {
  workflow: {
    name: string
    namespace: string
    uid?: string
    creationTimestamp?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec: WorkflowSpec
  now: Date
  /** `status.nodes` (and its finished Pods' rows) as Metacontroller sent it: what we recorded before. */
  memo: Memo
  /** The workflow phase as Metacontroller sent it (for pod GC on completion). */
  observedPhase?: string
  observedStartedAt?: string
  observedFinishedAt?: string
  /** Observed Pods by name. */
  pods: Map<string, KObject>
  /** Images' entrypoints the namespace's images ConfigMap adds to the built-in table. */
  images?: ImageEntrypoints
  /** Related ConfigMaps' data by name (for valueFrom.configMapKeyRef). */
  configMaps?: Record<string, Record<string, string>>
  /** Template-level synchronization: the lock slots of this evaluation (absent when no template has any). */
  nodeLocks?: NodeLocks
  /** Where output artifacts go (the artifact-repositories ConfigMap, or artifactRepositoryRef's). */
  artifactRepository?: ArtifactRepository
  /** Checks a Pod against the Kubernetes schema: why it is invalid, or undefined. */
  checkPod?: (pod: KObject) => string | undefined
}

/** One node being evaluated: which node, which template, and the variables it sees. */
export interface NodeCall {
  name: string
  displayName: string
  template: Template
  scope: Scope
  /** Machines the Pod must not run on (earlier attempts', under retryStrategy.affinity.nodeAntiAffinity). */
  avoidNodes?: string[]
}

export class Run {
  /** The nodes recorded so far, by name, in the order they were recorded (ids are worked out for the status). */
  readonly nodes = new Map<string, NodeRecord>()
  /** Recorded nodes by id, indexed when first asked for (only loops' `depends` results need it). */
  readonly #byId = new Map<string, NodeRecord>()
  #indexed = 0
  readonly #podNames: (template: string, hash: string) => string
  readonly pods: KObject[] = []
  readonly templates: Map<string, Template>
  readonly nowMs: number
  readonly now: string
  resync: number | undefined
  cleanupResync: number | undefined
  /** Pod nodes (by name) the memo holds as active: they count against parallelism wherever they are evaluated. */
  readonly activeBefore: Set<string>
  /** Active (Pending/Running) pod nodes, for spec.parallelism. */
  active: number
  /** Steps and tasks whose outputs some expression reads: only theirs are kept in the status. */
  readonly referenced: Set<string>
  /** Steps and tasks whose stdout some expression reads: only theirs run with it captured. */
  readonly resultsRead: Set<string>
  /** How many templates deep the evaluation is (recursion is cut at templates.ts MAX_DEPTH). */
  depth = 0
  /** False while suspended, stopped or terminating: nothing new starts. */
  scheduling = true
  /** Why running nodes are being stopped, when they are. */
  terminating: string | undefined
  /** The workflow's phase as exit handlers see it (`{{workflow.status}}`). */
  workflowStatus: string | undefined
  /** When the workflow started (the observed status's, else now). */
  readonly startedAt: string
  /** Output parameters exported with `globalName`, as later steps and the status see them. */
  readonly globals: Record<string, string> = {}
  /** Output artifacts exported with `globalName`. */
  readonly globalArtifacts: Record<string, Location> = {}
  /** The image the executor's init container copies busybox from. */
  readonly executorImage: string = DEFAULT_EXECUTOR_IMAGE

  constructor(readonly input: EngineInput) {
    this.templates = new Map(input.spec.templates.map((t) => [t.name, t]))
    this.#podNames = podNamer(input.workflow.name)
    this.nowMs = input.now.getTime()
    this.now = iso(this.nowMs)
    this.startedAt =
      input.observedStartedAt ?? input.memo.nodes.get(input.workflow.name)?.startedAt ?? this.now
    this.referenced = outputsRead(input.spec)
    this.resultsRead = resultsRead(input.spec)
    this.activeBefore = new Set()
    for (const [name, n] of input.memo.nodes)
      if (
        n.type === 'Pod' &&
        (n.phase === 'Pending' || n.phase === 'Running') &&
        n.waitingForLock === undefined
      )
        this.activeBefore.add(name)
    this.active = this.activeBefore.size
  }

  get spec(): WorkflowSpec {
    return this.input.spec
  }

  /** Whether some expression reads the stdout of the step or task shown as `displayName` (loops and retries included). */
  readsResult(displayName: string): boolean {
    return this.resultsRead.has(displayName.replace(/\(.*$/, ''))
  }

  template(name: string): Template {
    return this.templates.get(name)!
  }

  id(name: string): string {
    return this.input.memo.ids.get(name) ?? nodeId(this.input.workflow.name, name)
  }

  #set(name: string, node: NodeRecord): void {
    // A node recorded again keeps its place; its entry in the id index (if made) is brought up to date.
    if (this.#indexed > 0 && this.nodes.has(name)) this.#byId.set(this.id(name), node)
    this.nodes.set(name, node)
  }

  /** A node recorded in this evaluation, by its id. */
  nodeById(id: string): NodeRecord | undefined {
    if (this.#indexed < this.nodes.size) {
      let i = 0
      for (const [name, node] of this.nodes)
        if (i++ >= this.#indexed) this.#byId.set(this.id(name), node)
      this.#indexed = this.nodes.size
    }
    return this.#byId.get(id)
  }

  /** The Pod of a node that runs `template`. */
  podName(template: string, name: string): string {
    return this.#podNames(template, fnv32a(name))
  }

  /**
   * A Pod node that finished and whose Pod is gone: nothing observed can change it any more. (The
   * Pod's name is worked out only when some Pods are observed at all.)
   */
  podGone(node: NodeRecord): boolean {
    if (node.type !== 'Pod' || !isFulfilled(node.phase) || node.templateName === undefined)
      return false
    return this.input.pods.size === 0 || !this.input.pods.has(this.podNameOf(node)!)
  }

  /** The Pod of a Pod node (rows read back from finishedPods do not carry it). */
  podNameOf(node: NodeRecord): string | undefined {
    return (
      node.podName ??
      (node.templateName === undefined ? undefined : this.podName(node.templateName, node.name))
    )
  }

  memo(name: string): NodeRecord | undefined {
    return this.input.memo.nodes.get(name)
  }

  /** Records a node; times already in the memo win, so repeated syncs give the same status. */
  record(name: string, node: Omit<NodeRecord, 'name'>): NodeRecord {
    const memo = this.memo(name)
    const full = { name } as NodeRecord
    for (const key in node) {
      const value = node[key as keyof typeof node]
      if (value !== undefined) (full as unknown as Record<string, unknown>)[key] = value
    }
    if (memo?.startedAt) full.startedAt = memo.startedAt
    if (memo?.finishedAt && memo.phase === full.phase) full.finishedAt = memo.finishedAt
    this.#set(name, full)
    return full
  }

  /** Records a finished node exactly as the memo holds it (no copy: nothing changes it any more). */
  keep(name: string, memo: NodeRecord): NodeRecord {
    this.#set(name, memo)
    return memo
  }

  /** Asks Metacontroller to call again after this many seconds (the earliest ask wins). */
  wake(afterSeconds: number): void {
    const s = Math.max(1, Math.ceil(afterSeconds))
    this.resync = this.resync === undefined ? s : Math.min(this.resync, s)
  }

  /** A wake-up that still matters once the workflow is done: a Pod waiting out podGC.deleteDelayDuration. */
  wakeForCleanup(afterSeconds: number): void {
    const s = Math.max(1, Math.ceil(afterSeconds))
    this.cleanupResync = this.cleanupResync === undefined ? s : Math.min(this.cleanupResync, s)
  }

  /** Capacity left under a template's own parallelism, counting its already-active Pods. */
  capacity(name: string, limit: number | undefined): { left: number } {
    if (limit === undefined) return { left: Number.POSITIVE_INFINITY }
    let busy = 0
    for (const n of this.activeBefore) {
      if (n.startsWith(`${name}.`) || n.startsWith(`${name}[`)) busy++
    }
    return { left: limit - busy }
  }

  /** A node that was active and is now finished frees its parallelism slot. */
  settle(name: string, active: boolean): void {
    const before = this.activeBefore.has(name)
    if (active && !before) this.active++
    if (!active && before) this.active--
  }

  /** Whether a new Pod may start now (scheduling on and under the workflow's parallelism). */
  mayStart(): boolean {
    return (
      this.scheduling &&
      (this.spec.parallelism === undefined || this.active < this.spec.parallelism)
    )
  }

  /** An Error node for a call that cannot run (an unresolved variable, a bad expression). */
  error(call: Pick<NodeCall, 'name' | 'displayName'>, message: string): NodeRecord {
    return this.record(call.name, {
      displayName: call.displayName,
      type: 'Pod',
      phase: 'Error',
      startedAt: this.now,
      finishedAt: this.now,
      message,
    })
  }
}

export type { Scope }
