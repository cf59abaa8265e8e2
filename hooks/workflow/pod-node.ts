import type { KObject } from 'metahooks'
import {
  durationSeconds,
  isFulfilled,
  isWorkflowDone,
  type NodeRecord,
  type Phase,
} from './nodes.ts'
import { desiredPod, PodBuildError } from './pod-build.ts'
import { PodSpecPatchError } from './pod-spec-patch.ts'
import { readPod, type PodResult } from './pods.ts'
import type { Location } from './artifact-schema.ts'
import { outputLocation } from './artifacts.ts'
import { exportGlobals } from './outputs.ts'
import { HTTP_HEADERS, HTTP_STATUS, httpOutcome } from './http.ts'
import type { NodeCall, Run } from './state.ts'
import { isSubstitutionError, substitute } from './substitute.ts'
import { lookup } from './variables.ts'

/**
 * A container or script template as one Pod node. The observed Pod is the truth while it lives;
 * once its result is recorded, the memo is, and the Pod may be collected.
 */
export function runPod(run: Run, call: NodeCall, attempt: number): NodeRecord | undefined {
  const { name, displayName, template } = call
  const memo = run.memo(name)
  const pod = run.podName(template.name, name)
  const observed = run.input.pods.get(pod)
  const node = (fields: Omit<NodeRecord, 'name' | 'displayName' | 'type'>) =>
    run.record(name, {
      displayName,
      type: 'Pod',
      ...fields,
      templateName: template.name,
      podName: pod,
    })
  if (memo && isFulfilled(memo.phase)) {
    // Recorded already: the Pod may go now if the GC policy (or a termination) says so.
    // A daemon's Pod goes as soon as its end is recorded, whatever podGC says: it would run forever.
    if (observed && template.daemon !== true && !collect(run, memo, observed))
      run.pods.push(keptPod(run, call, attempt, observed))
    if (memo.phase === 'Succeeded')
      exportGlobals(run, call, memo.outputs?.parameters ?? {}, memo.outputs?.artifacts)
    return run.record(name, { ...memo })
  }
  const stop = run.terminating ?? timedOut(run, call, memo?.startedAt ?? run.now)
  if (observed) {
    const result = readPod(observed)
    const startedAt = memo?.startedAt ?? result.startedAt ?? run.now
    // Keep the Pod until its result is in the status Metacontroller sends back (two-phase).
    run.pods.push(keptPod(run, call, attempt, observed))
    if (!isFulfilled(result.phase)) {
      if (stop) {
        run.settle(name, false)
        return node({ phase: 'Failed', startedAt, finishedAt: run.now, message: stop })
      }
      run.settle(name, true)
      // A daemon is up once Running and Ready, and stays up (as in Argo) until its scope ends or it exits.
      const daemoned =
        template.daemon === true &&
        result.phase === 'Running' &&
        (result.ready === true || memo?.daemoned === true)
      return node({
        phase: result.phase,
        startedAt,
        ...(result.hostNodeName && { hostNodeName: result.hostNodeName }),
        ...(daemoned && { daemoned: true, ...(result.podIP && { podIP: result.podIP }) }),
      })
    }
    run.settle(name, false)
    // A daemon that was up stays known as one (its steps may have moved on past it).
    const daemon =
      memo?.daemoned === true ? { daemoned: true, ...(memo.podIP && { podIP: memo.podIP }) } : {}
    return run.record(name, {
      ...finished(run, call, result, startedAt),
      templateName: template.name,
      podName: pod,
      ...(result.hostNodeName && { hostNodeName: result.hostNodeName }),
      ...daemon,
    })
  }
  if (memo?.phase === 'Running') {
    run.settle(name, false)
    return node({
      phase: 'Error',
      startedAt: memo.startedAt,
      finishedAt: run.now,
      message: 'the Pod was deleted',
    })
  }
  if (!memo && !run.mayStart()) return undefined
  if (stop) {
    run.settle(name, false)
    return node({
      phase: 'Failed',
      startedAt: memo?.startedAt ?? run.now,
      finishedAt: run.now,
      message: stop,
    })
  }
  // Asked for (again, if a previous request is not observed yet): never counted as failed.
  let desired: KObject
  try {
    desired = desiredPod(run, call, attempt)
    const invalid = run.input.checkPod?.(desired)
    if (invalid) throw new PodBuildError(`the Pod is invalid: ${invalid}`)
  } catch (error) {
    if (
      !(
        isSubstitutionError(error) ||
        error instanceof PodBuildError ||
        error instanceof PodSpecPatchError
      )
    )
      throw error
    return node({ phase: 'Error', startedAt: run.now, finishedAt: run.now, message: error.message })
  }
  run.pods.push(desired)
  run.settle(name, true)
  return node({ phase: 'Pending', startedAt: memo?.startedAt ?? run.now })
}

/**
 * A Pod that exists stays in the answer whatever happened since it was made: rebuilt when its
 * fields still resolve (the same object: Pods are never updated), else as observed — a ConfigMap
 * deleted or a podSpecPatch changed mid-run must never make Metacontroller delete a Pod.
 */
function keptPod(run: Run, call: NodeCall, attempt: number, observed: KObject): KObject {
  try {
    return desiredPod(run, call, attempt)
  } catch (error) {
    if (
      !(
        isSubstitutionError(error) ||
        error instanceof PodBuildError ||
        error instanceof PodSpecPatchError
      )
    )
      throw error
    return asObserved(observed)
  }
}

/** An observed Pod as a desired child: what the API server and kubelet added left out. */
function asObserved(pod: KObject): KObject {
  const { status: _status, metadata, ...rest } = pod as KObject & { status?: unknown }
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    generation: _g,
    managedFields: _mf,
    ownerReferences: _or,
    annotations,
    ...meta
  } = metadata as KObject['metadata'] & Record<string, unknown>
  const own = Object.entries(annotations ?? {}).filter(
    ([k]) => !k.startsWith('metacontroller.k8s.io/'),
  )
  return {
    ...rest,
    metadata: { ...meta, ...(own.length > 0 && { annotations: Object.fromEntries(own) }) },
  } as KObject
}

/** A finished Pod's node: its phase, exit code and the outputs some expression reads. */
function finished(
  run: Run,
  call: NodeCall,
  result: PodResult,
  startedAt: string,
): Omit<NodeRecord, 'name'> {
  const { displayName, template } = call
  const outputs: NonNullable<NodeRecord['outputs']> = { exitCode: result.exitCode }
  let phase: Phase = result.phase
  let message = result.message
  const fail = (why: string) => {
    phase = 'Error'
    message = why
  }
  if (phase === 'Succeeded' && template.http && !result.outputsProblem) {
    // An http node's phase is the response's, judged here as Argo's agent judges it.
    const { failed } = httpOutcome(template, {
      status: result.parameters?.[HTTP_STATUS],
      headers: result.parameters?.[HTTP_HEADERS],
      body: result.result ?? '',
    })
    if (failed) {
      phase = 'Failed'
      message = failed
    }
  }
  if (phase === 'Succeeded') {
    const parameters: Record<string, string> = {}
    if (result.outputsProblem) fail(result.outputsProblem)
    for (const p of template.outputs?.parameters ?? []) {
      const literal =
        p.value === undefined ? undefined : substitute(p.value, lookup(run, call.scope))
      const value = result.parameters?.[p.name] ?? literal ?? trimNewline(p.valueFrom?.default)
      if (value !== undefined) parameters[p.name] = value
      else if (p.valueFrom?.path !== undefined)
        fail(
          `output parameter ${p.name}: ${p.valueFrom.path} was not there when the command exited`,
        )
      else fail(`output parameter ${p.name} is missing from the termination message`)
    }
    const artifacts = savedArtifacts(run, call, result, fail)
    if (phase === 'Succeeded') exportGlobals(run, call, parameters, artifacts)
    if (artifacts) outputs.artifacts = artifacts
    if (run.readsResult(displayName) || Object.keys(parameters).length > 0) {
      // No termination message means empty output, as an empty stdout would be.
      if (run.readsResult(displayName)) outputs.result = result.result ?? ''
      if (Object.keys(parameters).length > 0) outputs.parameters = parameters
    }
  }
  return {
    displayName,
    type: 'Pod',
    phase,
    startedAt,
    finishedAt: result.finishedAt ?? run.now,
    outputs,
    ...(message && { message }),
  }
}

/**
 * The output artifacts the executor stored, where the Pod says it stored them (its annotation: the
 * repository may have changed since it was built); one it could
 * not store, or a required one that was not there, fails the node (Argo: an Error).
 */
function savedArtifacts(
  run: Run,
  call: NodeCall,
  result: PodResult,
  fail: (why: string) => void,
): Record<string, Location> | undefined {
  const declared = call.template.outputs?.artifacts ?? []
  if (declared.length === 0) return undefined
  const out: Record<string, Location> = {}
  const pod = run.podName(call.template.name, call.name)
  for (const a of declared) {
    const state = result.artifacts?.[a.name]
    if (state?.state === 'saved')
      out[a.name] = result.artifactLocations?.[a.name] ?? outputLocation(run, call.scope, a, pod)
    else if (state?.state === 'failed')
      fail(`output artifact ${a.name} could not be saved: ${state.message || 'no reason given'}`)
    else if (state?.state === 'missing' && !a.optional)
      fail(`output artifact ${a.name}: ${a.path} was not there when the command exited`)
    else if (!state) fail(`output artifact ${a.name} is missing from the termination message`)
  }
  return Object.keys(out).length > 0 ? out : undefined
}

const TIMED_OUT = /^timeout .* exceeded$/

/**
 * A template's `timeout` (a duration from the node's start, Pending time included, as in Argo):
 * why the node stops now, or undefined (waking the hook at the deadline).
 */
function timedOut(run: Run, call: NodeCall, startedAt: string | undefined): string | undefined {
  if (call.template.timeout === undefined || startedAt === undefined) return undefined
  const timeout = substitute(call.template.timeout, lookup(run, call.scope))
  const deadline = Date.parse(startedAt) + durationSeconds(timeout) * 1000
  if (run.nowMs >= deadline) return `timeout ${timeout} exceeded`
  run.wake((deadline - run.nowMs) / 1000)
  return undefined
}

/** Whether a recorded, finished Pod is collected now (dropped from the desired Pods). */
function collect(run: Run, node: NodeRecord, pod: KObject): boolean {
  if (run.terminating && node.message === run.terminating) return true
  // A Pod stopped for its timeout goes once its end is recorded.
  if (node.message !== undefined && TIMED_OUT.test(node.message)) return true
  if (node.phase === 'Pending' || node.phase === 'Running') return false
  const gc = run.spec.podGC
  if (gc?.labelSelector && !matchesSelector(gc.labelSelector, pod.metadata.labels ?? {}))
    return false
  if (
    gc?.deleteDelayDuration !== undefined &&
    gc.strategy !== undefined &&
    gc.strategy !== 'OnPodNone' &&
    node.finishedAt
  ) {
    const at = Date.parse(node.finishedAt) + durationSeconds(gc.deleteDelayDuration) * 1000
    if (at > run.nowMs) {
      if (collectable(run, node)) run.wakeForCleanup((at - run.nowMs) / 1000)
      return false
    }
  }
  return collectable(run, node)
}

/** The Pod's labels, as it has them, match podGC.labelSelector. */
function matchesSelector(
  selector: NonNullable<NonNullable<Run['spec']['podGC']>['labelSelector']>,
  labels: Record<string, string>,
): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key)
    const inValues = has && (e.values ?? []).includes(labels[e.key]!)
    if (e.operator === 'In' && !inValues) return false
    if (e.operator === 'NotIn' && inValues) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

/** The podGC strategy alone. */
function collectable(run: Run, node: NodeRecord): boolean {
  const wf = run.input.observedPhase
  switch (run.spec.podGC?.strategy) {
    case 'OnPodCompletion':
      return true
    case 'OnPodSuccess':
      return node.phase === 'Succeeded'
    case 'OnWorkflowCompletion':
      return isWorkflowDone(wf)
    case 'OnWorkflowSuccess':
      return wf === 'Succeeded'
    default:
      return false
  }
}

/** Argo trims one trailing newline from an output parameter, its default included (executor.go). */
const trimNewline = (s: string | undefined) => (s?.endsWith('\n') ? s.slice(0, -1) : s)
