import type { Container } from 'kubernetes-types/core/v1'
import type { KObject } from '../core/contract/objects.ts'
import { runDag } from './dag.ts'
import { ExpressionError, whenHolds } from './expressions.ts'
import { aggregate, durationSeconds, isFailure, isFulfilled, iso, latest, type NodeRecord, type Phase, type Scope } from './nodes.ts'
import { runSteps } from './steps.ts'
import { buildPod, claimName, fnv32a, podName, readPod, type PodResult } from './pods.ts'
import type { RetryStrategy, Step, Task, Template, WorkflowSpec } from './schema.ts'
import { UnresolvedError, substitute } from './substitute.ts'

/**
 * The workflow engine: one pure evaluation per sync. Children are the truth for live nodes
 * (observed Pods), the previous status is the memo for finished ones; the result is the Pods that
 * should exist and the new status. Nothing here reads a clock but `now`, or keeps state.
 */

export interface EngineInput {
  workflow: { name: string; namespace: string; uid?: string }
  spec: WorkflowSpec
  now: Date
  /** `status.nodes` as Metacontroller sent it (what we recorded before). */
  memo: Record<string, NodeRecord>
  /** The workflow phase as Metacontroller sent it (for pod GC on completion). */
  observedPhase?: string
  observedStartedAt?: string
  observedFinishedAt?: string
  /** Observed Pods by name. */
  pods: Map<string, KObject>
}

export interface EngineOutput {
  pods: KObject[]
  status: Record<string, unknown>
  resyncAfterSeconds?: number
}


export class Engine {
  readonly nodes: Record<string, NodeRecord> = {}
  readonly pods: KObject[] = []
  readonly templates: Map<string, Template>
  readonly nowMs: number
  readonly now: string
  resync: number | undefined
  /** Pod nodes the memo holds as active: they count against parallelism wherever they are evaluated. */
  readonly activeBefore: Set<string>
  /** Active (Pending/Running) pod nodes, for spec.parallelism. */
  active: number
  /** Steps and tasks whose outputs some expression reads: only theirs are kept in the status. */
  readonly referenced: Set<string>
  scheduling: boolean
  terminating: string | undefined
  workflowStatus: string | undefined

  constructor(readonly input: EngineInput) {
    this.templates = new Map(input.spec.templates.map((t) => [t.name, t]))
    this.nowMs = input.now.getTime()
    this.now = iso(this.nowMs)
    this.referenced = new Set([...JSON.stringify(input.spec).matchAll(/\{\{\s*(?:steps|tasks)\.([A-Za-z0-9_-]+)\./g)].map((m) => m[1]!))
    this.scheduling = true
    this.terminating = undefined
    this.activeBefore = new Set(Object.entries(input.memo).filter(([, n]) => n.type === 'Pod' && (n.phase === 'Pending' || n.phase === 'Running')).map(([id]) => id))
    this.active = this.activeBefore.size
  }

  /** Capacity left under a template's own parallelism, counting its already-active Pods. */
  capacity(name: string, limit: number | undefined): { left: number } {
    if (limit === undefined) return { left: Number.POSITIVE_INFINITY }
    let busy = 0
    for (const id of this.activeBefore) {
      const n = this.input.memo[id]!.name
      if (n.startsWith(`${name}.`) || n.startsWith(`${name}[`)) busy++
    }
    return { left: limit - busy }
  }

  /** A node that was active and is now finished frees its parallelism slot. */
  settle(name: string, active: boolean): void {
    const before = this.activeBefore.has(this.id(name))
    if (active && !before) this.active++
    if (!active && before) this.active--
  }

  id(name: string): string {
    return name === this.input.workflow.name ? name : `${this.input.workflow.name}-${fnv32a(name)}`
  }

  wake(afterSeconds: number): void {
    const s = Math.max(1, Math.ceil(afterSeconds))
    this.resync = this.resync === undefined ? s : Math.min(this.resync, s)
  }

  /** Records a node; times already in the memo win, so repeated syncs give the same status. */
  record(name: string, node: Omit<NodeRecord, 'name'>): NodeRecord {
    const memo = this.memo(name)
    const full: NodeRecord = { name, ...node }
    if (memo?.startedAt) full.startedAt = memo.startedAt
    if (memo?.finishedAt && memo.phase === full.phase) full.finishedAt = memo.finishedAt
    for (const key of Object.keys(full) as (keyof NodeRecord)[]) if (full[key] === undefined) delete full[key]
    this.nodes[this.id(name)] = full
    return full
  }

  memo(name: string): NodeRecord | undefined {
    return this.input.memo[this.id(name)]
  }

  lookup(scope: Scope) {
    return (ref: string): string | undefined => {
      if (ref in scope) return scope[ref]
      const w = this.input.workflow
      if (ref === 'workflow.name') return w.name
      if (ref === 'workflow.namespace') return w.namespace
      if (ref === 'workflow.uid') return w.uid ?? ''
      if (ref === 'workflow.status' && this.workflowStatus) return this.workflowStatus
      if (ref.startsWith('workflow.parameters.')) return (this.input.spec.arguments?.parameters ?? []).find((p) => p.name === ref.slice(20))?.value
      return undefined
    }
  }

  /** Runs any template as node `name`; undefined when it has not started (not scheduled yet). */
  run(name: string, displayName: string, template: Template, args: Scope): NodeRecord | undefined {
    const inputs: Scope = {}
    for (const p of template.inputs?.parameters ?? []) {
      const value = args[p.name] ?? p.value ?? p.default
      if (value === undefined) return this.record(name, { displayName, type: 'Pod', phase: 'Error', message: `input parameter ${p.name} has no value` })
      inputs[`inputs.parameters.${p.name}`] = value
    }
    if (template.steps) return runSteps(this, name, displayName, template, inputs)
    if (template.dag) return runDag(this, name, displayName, template, inputs)
    if (template.suspend) return this.runSuspend(name, displayName, template)
    const retry = template.retryStrategy ?? this.input.spec.retryStrategy
    return retry ? this.runRetry(name, displayName, template, inputs, retry) : this.runPod(name, displayName, template, inputs, 0)
  }

  runPod(name: string, displayName: string, template: Template, inputs: Scope, attempt: number): NodeRecord | undefined {
    const memo = this.memo(name)
    const pod = podName(this.input.workflow.name, template.name, name)
    const observed = this.input.pods.get(pod)
    const keep = () => {
      if (observed) this.pods.push(this.desiredPod(name, template, inputs, attempt))
    }
    if (memo && isFulfilled(memo.phase)) {
      // Recorded already: the Pod may go now if the GC policy (or a termination) says so.
      if (!this.collect(memo)) keep()
      return this.record(name, { ...memo })
    }
    if (observed) {
      const result = readPod(observed)
      const startedAt = memo?.startedAt ?? result.startedAt ?? this.now
      // Keep the Pod until its result is in the status Metacontroller sends back (two-phase).
      this.pods.push(this.desiredPod(name, template, inputs, attempt))
      if (!isFulfilled(result.phase)) {
        if (this.terminating) {
          this.settle(name, false)
          return this.record(name, { displayName, type: 'Pod', phase: 'Failed', startedAt, finishedAt: this.now, message: this.terminating })
        }
        this.settle(name, true)
        return this.record(name, { displayName, type: 'Pod', phase: result.phase, startedAt })
      }
      this.settle(name, false)
      return this.record(name, this.finished(displayName, template, result, startedAt))
    }
    if (memo?.phase === 'Running') {
      this.settle(name, false)
      return this.record(name, { displayName, type: 'Pod', phase: 'Error', startedAt: memo.startedAt, finishedAt: this.now, message: 'the Pod was deleted' })
    }
    if (!memo && (!this.scheduling || (this.input.spec.parallelism !== undefined && this.active >= this.input.spec.parallelism))) return undefined
    if (this.terminating) {
      this.settle(name, false)
      return this.record(name, { displayName, type: 'Pod', phase: 'Failed', startedAt: memo?.startedAt ?? this.now, finishedAt: this.now, message: this.terminating })
    }
    // Asked for (again, if a previous request is not observed yet): never counted as failed.
    let desired: KObject
    try {
      desired = this.desiredPod(name, template, inputs, attempt)
    } catch (error) {
      if (!(error instanceof UnresolvedError)) throw error
      return this.record(name, { displayName, type: 'Pod', phase: 'Error', startedAt: this.now, finishedAt: this.now, message: error.message })
    }
    this.pods.push(desired)
    this.settle(name, true)
    return this.record(name, { displayName, type: 'Pod', phase: 'Pending', startedAt: memo?.startedAt ?? this.now })
  }

  finished(displayName: string, template: Template, result: PodResult, startedAt: string): Omit<NodeRecord, 'name'> {
    const outputs: NonNullable<NodeRecord['outputs']> = { exitCode: result.exitCode }
    let phase: Phase = result.phase
    let message = result.message
    if (phase === 'Succeeded') {
      const parameters: Record<string, string> = {}
      for (const p of template.outputs?.parameters ?? []) {
        const value = result.parameters?.[p.name] ?? p.valueFrom?.default
        if (value === undefined) {
          phase = 'Error'
          message = `output parameter ${p.name} is missing from the termination message`
        } else parameters[p.name] = value
      }
      if (this.referenced.has(displayName.replace(/\(.*$/, ''))) {
        // No termination message means empty output, as an empty stdout would be.
        outputs.result = result.result ?? ''
        if (Object.keys(parameters).length > 0) outputs.parameters = parameters
      }
    }
    return { displayName, type: 'Pod', phase, startedAt, finishedAt: result.finishedAt ?? this.now, outputs, ...(message && { message }) }
  }

  desiredPod(name: string, template: Template, inputs: Scope, attempt: number): KObject {
    const scope = { ...inputs, retries: String(attempt) }
    const sub = (v: unknown): unknown =>
      typeof v === 'string' ? substitute(v, this.lookup(scope)) : Array.isArray(v) ? v.map(sub) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)])) : v
    const source = template.container ?? template.script!
    const { source: script, ...fields } = source as typeof source & { source?: string }
    return buildPod({
      workflow: this.input.workflow,
      nodeId: this.id(name),
      nodeName: name,
      template,
      container: sub(fields) as Container,
      ...(script !== undefined && { script: sub(script) as string }),
      claims: (this.input.spec.volumeClaimTemplates ?? []).map((c) => ({ name: c.metadata.name, claimName: claimName(this.input.workflow.name, c.metadata.name) })),
      ...(this.input.spec.serviceAccountName && { serviceAccountName: this.input.spec.serviceAccountName }),
    })
  }

  /** Whether a recorded, finished Pod is collected now (dropped from the desired Pods). */
  collect(node: NodeRecord): boolean {
    if (node.message === this.terminating && this.terminating) return true
    const strategy = this.input.spec.podGC?.strategy
    const wf = this.input.observedPhase
    switch (strategy) {
      case 'OnPodCompletion':
        return true
      case 'OnPodSuccess':
        return node.phase === 'Succeeded'
      case 'OnWorkflowCompletion':
        return wf === 'Succeeded' || wf === 'Failed' || wf === 'Error'
      case 'OnWorkflowSuccess':
        return wf === 'Succeeded'
      default:
        return false
    }
  }

  runRetry(name: string, displayName: string, template: Template, inputs: Scope, retry: RetryStrategy): NodeRecord | undefined {
    const children: string[] = []
    const firstStart = this.memo(`${name}(0)`)?.startedAt
    for (let k = 0; ; k++) {
      const attempt = this.runPod(`${name}(${k})`, `${displayName}(${k})`, template, inputs, k)
      if (!attempt) {
        if (k === 0) return undefined
        return this.record(name, { displayName, type: 'Retry', phase: 'Running', startedAt: firstStart ?? this.now, children })
      }
      children.push(this.id(`${name}(${k})`))
      const base = { displayName, type: 'Retry' as const, startedAt: this.nodes[children[0]!]!.startedAt, children }
      if (!isFulfilled(attempt.phase)) return this.record(name, { ...base, phase: 'Running' })
      if (attempt.phase === 'Succeeded') return this.record(name, { ...base, phase: 'Succeeded', finishedAt: attempt.finishedAt, ...(attempt.outputs && { outputs: attempt.outputs }) })
      const policyAllows = retry.retryPolicy === 'Always' || (retry.retryPolicy === 'OnFailure' && attempt.phase === 'Failed') || (retry.retryPolicy === 'OnError' && attempt.phase === 'Error')
      const started = Date.parse(base.startedAt ?? this.now)
      const maxDuration = retry.backoff?.maxDuration ? durationSeconds(retry.backoff.maxDuration) : undefined
      const withinWindow = maxDuration === undefined || this.nowMs - started < maxDuration * 1000
      if (this.terminating || !policyAllows || k >= retry.limit || !withinWindow) {
        const why = k >= retry.limit ? `retry limit ${retry.limit} reached` : !withinWindow ? 'retry maxDuration exceeded' : `not retried (${retry.retryPolicy})`
        return this.record(name, { ...base, phase: attempt.phase, finishedAt: attempt.finishedAt, message: `${attempt.message ?? attempt.phase}; ${why}` })
      }
      const base_ = durationSeconds(retry.backoff?.duration) * Math.pow(retry.backoff?.factor ?? 1, k)
      const delay = retry.backoff?.cap ? Math.min(base_, durationSeconds(retry.backoff.cap)) : base_
      const readyAt = Date.parse(attempt.finishedAt ?? this.now) + delay * 1000
      if (readyAt > this.nowMs && !this.memo(`${name}(${k + 1})`)) {
        this.wake((readyAt - this.nowMs) / 1000)
        // A fixed time, not a countdown: the status must not change while we wait.
        return this.record(name, { ...base, phase: 'Running', message: `retrying at ${iso(readyAt)}` })
      }
    }
  }

  runSuspend(name: string, displayName: string, template: Template): NodeRecord | undefined {
    const memo = this.memo(name)
    if (memo && isFulfilled(memo.phase)) return this.record(name, { ...memo })
    if (!memo && !this.scheduling) return undefined
    const startedAt = memo?.startedAt ?? this.now
    if ((this.input.spec.resume ?? []).includes(displayName)) return this.record(name, { displayName, type: 'Suspend', phase: 'Succeeded', startedAt, finishedAt: this.now, message: 'resumed' })
    if (this.terminating) return this.record(name, { displayName, type: 'Suspend', phase: 'Failed', startedAt, finishedAt: this.now, message: this.terminating })
    const duration = template.suspend!.duration
    if (duration !== undefined) {
      const endsAt = Date.parse(startedAt) + durationSeconds(duration) * 1000
      if (endsAt <= this.nowMs) return this.record(name, { displayName, type: 'Suspend', phase: 'Succeeded', startedAt, finishedAt: iso(endsAt) })
      this.wake((endsAt - this.nowMs) / 1000)
    }
    return this.record(name, { displayName, type: 'Suspend', phase: 'Running', startedAt, message: duration ? `suspended for ${duration}` : `suspended until resumed (spec.resume: [${displayName}])` })
  }

  /** withItems / withSequence / withParam → [label, item scope] pairs; undefined = no loop. */
  items(call: Step | Task, scope: Scope): [string, Scope][] | undefined | string {
    let values: unknown[] | undefined
    if (call.withItems) values = call.withItems
    else if (call.withSequence) {
      const seq = call.withSequence
      const num = (v: number | string | undefined, d: number) => (v === undefined ? d : Number(typeof v === 'string' ? substitute(v, this.lookup(scope)) : v))
      const start = num(seq.start, 0)
      const end = seq.count !== undefined ? start + num(seq.count, 0) - 1 : num(seq.end, 0)
      if (!Number.isInteger(start) || !Number.isInteger(end)) return 'withSequence needs whole numbers'
      if (Math.abs(end - start) > 10_000) return 'withSequence is limited to 10,000 items'
      values = []
      for (let i = start; start <= end ? i <= end : i >= end; i += start <= end ? 1 : -1) values.push(seq.format ? seq.format.replace(/%0?(\d*)d/, (_, w: string) => String(i).padStart(Number(w || 0), '0')) : String(i))
    } else if (call.withParam !== undefined) {
      try {
        const parsed = JSON.parse(substitute(call.withParam, this.lookup(scope))) as unknown
        if (!Array.isArray(parsed)) return 'withParam is not a JSON list'
        values = parsed
      } catch (error) {
        return error instanceof UnresolvedError ? error.message : 'withParam is not a JSON list'
      }
    }
    if (!values) return undefined
    return values.map((v, i) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v)
      const itemScope: Scope = { item: text }
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) itemScope[`item.${k}`] = typeof x === 'string' ? x : JSON.stringify(x)
      return [`(${i}:${text.length > 40 ? `${text.slice(0, 37)}…` : text})`, itemScope]
    })
  }

  /** Runs one step or task call (with its loop, when and arguments) under `name`. */
  call(name: string, displayName: string, call: Step | Task, scope: Scope, parallelism: { left: number }): NodeRecord | undefined {
    const template = this.templates.get(call.template)!
    const runOne = (n: string, d: string, s: Scope): NodeRecord | undefined => {
      const memo = this.memo(n)
      if (memo && (memo.phase === 'Skipped' || memo.phase === 'Omitted')) return this.record(n, { ...memo })
      try {
        if (call.when !== undefined && !whenHolds(substitute(call.when, this.lookup(s)))) {
          return this.record(n, { displayName: d, type: 'Skipped', phase: 'Skipped', startedAt: this.now, finishedAt: this.now, message: `when '${call.when}' evaluated false` })
        }
        const args: Scope = {}
        for (const a of call.arguments?.parameters ?? []) args[a.name] = substitute(a.value, this.lookup(s))
        if (!memo && parallelism.left <= 0) return undefined
        const node = this.run(n, d, template, args)
        if (!memo && node && !isFulfilled(node.phase)) parallelism.left--
        return node
      } catch (error) {
        if (!(error instanceof UnresolvedError) && !(error instanceof ExpressionError)) throw error
        return this.record(n, { displayName: d, type: 'Pod', phase: 'Error', startedAt: this.now, finishedAt: this.now, message: (error as Error).message })
      }
    }
    const loop = this.items(call, scope)
    if (loop === undefined) return runOne(name, displayName, scope)
    if (typeof loop === 'string') return this.record(name, { displayName, type: 'TaskGroup', phase: 'Error', startedAt: this.now, finishedAt: this.now, message: loop })
    const children: NodeRecord[] = []
    let started = false
    for (const [label, itemScope] of loop) {
      const child = runOne(`${name}${label}`, `${displayName}${label}`, { ...scope, ...itemScope })
      if (child) {
        started = true
        children.push(child)
      }
    }
    if (!started && loop.length > 0) return undefined
    const allDone = children.length === loop.length && children.every((c) => isFulfilled(c.phase))
    const failed = children.find((c) => isFailure(c.phase))
    const phase: Phase = !allDone ? 'Running' : failed ? failed.phase : 'Succeeded'
    const outputs = allDone && this.referenced.has(displayName) ? aggregate(children) : undefined
    return this.record(name, {
      displayName,
      type: 'TaskGroup',
      phase,
      startedAt: children[0]?.startedAt ?? this.now,
      ...(allDone && { finishedAt: latest(children) }),
      children: children.map((c) => this.id(c.name)),
      ...(outputs && { outputs }),
    })
  }

  latestOf(ids: string[]): string {
    return latest(ids.map((id) => this.nodes[id]).filter((n): n is NodeRecord => n !== undefined))
  }
}

/** One evaluation of the whole workflow: the Pods that should exist, the status, the next wake-up. */
export function evaluate(input: EngineInput): EngineOutput {
  const e = new Engine(input)
  const { spec, workflow } = input
  const rootMemo = input.memo[workflow.name]
  const startedAt = input.observedStartedAt ?? rootMemo?.startedAt ?? e.now
  const deadlineAt = spec.activeDeadlineSeconds !== undefined ? Date.parse(startedAt) + spec.activeDeadlineSeconds * 1000 : undefined
  if (deadlineAt !== undefined && e.nowMs >= deadlineAt) e.terminating = 'the workflow exceeded its activeDeadlineSeconds'
  else if (spec.shutdown === 'Terminate') e.terminating = 'the workflow was terminated'
  else if (deadlineAt !== undefined) e.wake((deadlineAt - e.nowMs) / 1000)
  e.scheduling = !spec.suspend && !spec.shutdown && !e.terminating

  const entry = e.templates.get(spec.entrypoint)!
  const args = Object.fromEntries((spec.arguments?.parameters ?? []).map((p) => [p.name, p.value]))
  let root = e.run(workflow.name, workflow.name, entry, args)
  const stopped = spec.shutdown === 'Stop' || spec.shutdown === 'Terminate' || e.terminating !== undefined
  if (stopped && e.active === 0 && (!root || !isFulfilled(root.phase))) {
    root = e.record(workflow.name, { ...(root ?? { displayName: workflow.name, type: 'Steps' }), phase: 'Failed', startedAt, finishedAt: e.now, message: e.terminating ?? 'the workflow was stopped' } as NodeRecord)
  }
  let phase: Phase | 'Pending' = root ? root.phase : 'Pending'
  let message = root?.message
  // The exit handler runs once the workflow is done (not when terminated or past its deadline).
  if (root && isFulfilled(root.phase) && spec.onExit && !e.terminating) {
    e.workflowStatus = root.phase === 'Skipped' || root.phase === 'Omitted' ? 'Succeeded' : root.phase
    e.scheduling = true
    const exit = e.run(`${workflow.name}.onExit`, 'onExit', e.templates.get(spec.onExit)!, {})
    if (!exit || !isFulfilled(exit.phase)) phase = 'Running'
    else if (isFailure(exit.phase) && !isFailure(root.phase)) {
      phase = exit.phase
      message = `the exit handler ${exit.phase.toLowerCase()}`
    }
  }
  const workflowPhase = phase === 'Skipped' || phase === 'Omitted' ? 'Succeeded' : phase
  const podNodes = Object.values(e.nodes).filter((n) => n.type === 'Pod')
  const done = workflowPhase === 'Succeeded' || workflowPhase === 'Failed' || workflowPhase === 'Error'
  const status: Record<string, unknown> = {
    phase: workflowPhase,
    startedAt,
    ...(done && { finishedAt: input.observedFinishedAt ?? e.now }),
    ...(message && { message: message.slice(0, 256) }),
    ...(!done && spec.suspend && { message: 'suspended: set spec.suspend to false to resume' }),
    progress: `${podNodes.filter((n) => n.phase === 'Succeeded').length}/${podNodes.length}`,
    nodes: e.nodes,
  }
  return { pods: e.pods, status, ...(!done && e.resync !== undefined && { resyncAfterSeconds: e.resync }) }
}
