import type { Container } from 'kubernetes-types/core/v1'
import type { KObject } from '../core/contract/objects.ts'
import { isFulfilled, type NodeRecord, type Phase } from './nodes.ts'
import { buildPod, claimName, podName, readPod, type PodResult } from './pods.ts'
import type { NodeCall, Run } from './state.ts'
import { UnresolvedError, substitute } from './substitute.ts'
import { lookup } from './variables.ts'

/**
 * A container or script template as one Pod node. The observed Pod is the truth while it lives;
 * once its result is recorded, the memo is, and the Pod may be collected.
 */
export function runPod(run: Run, call: NodeCall, attempt: number): NodeRecord | undefined {
  const { name, displayName, template } = call
  const memo = run.memo(name)
  const observed = run.input.pods.get(podName(run.input.workflow.name, template.name, name))
  const node = (fields: Omit<NodeRecord, 'name' | 'displayName' | 'type'>) => run.record(name, { displayName, type: 'Pod', ...fields })
  if (memo && isFulfilled(memo.phase)) {
    // Recorded already: the Pod may go now if the GC policy (or a termination) says so.
    if (observed && !collect(run, memo)) run.pods.push(desiredPod(run, call, attempt))
    return run.record(name, { ...memo })
  }
  if (observed) {
    const result = readPod(observed)
    const startedAt = memo?.startedAt ?? result.startedAt ?? run.now
    // Keep the Pod until its result is in the status Metacontroller sends back (two-phase).
    run.pods.push(desiredPod(run, call, attempt))
    if (!isFulfilled(result.phase)) {
      if (run.terminating) {
        run.settle(name, false)
        return node({ phase: 'Failed', startedAt, finishedAt: run.now, message: run.terminating })
      }
      run.settle(name, true)
      return node({ phase: result.phase, startedAt })
    }
    run.settle(name, false)
    return run.record(name, finished(run, call, result, startedAt))
  }
  if (memo?.phase === 'Running') {
    run.settle(name, false)
    return node({ phase: 'Error', startedAt: memo.startedAt, finishedAt: run.now, message: 'the Pod was deleted' })
  }
  if (!memo && !run.mayStart()) return undefined
  if (run.terminating) {
    run.settle(name, false)
    return node({ phase: 'Failed', startedAt: memo?.startedAt ?? run.now, finishedAt: run.now, message: run.terminating })
  }
  // Asked for (again, if a previous request is not observed yet): never counted as failed.
  let desired: KObject
  try {
    desired = desiredPod(run, call, attempt)
  } catch (error) {
    if (!(error instanceof UnresolvedError)) throw error
    return node({ phase: 'Error', startedAt: run.now, finishedAt: run.now, message: error.message })
  }
  run.pods.push(desired)
  run.settle(name, true)
  return node({ phase: 'Pending', startedAt: memo?.startedAt ?? run.now })
}

/** A finished Pod's node: its phase, exit code and the outputs some expression reads. */
function finished(run: Run, call: NodeCall, result: PodResult, startedAt: string): Omit<NodeRecord, 'name'> {
  const { displayName, template } = call
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
    if (run.referenced.has(displayName.replace(/\(.*$/, ''))) {
      // No termination message means empty output, as an empty stdout would be.
      outputs.result = result.result ?? ''
      if (Object.keys(parameters).length > 0) outputs.parameters = parameters
    }
  }
  return { displayName, type: 'Pod', phase, startedAt, finishedAt: result.finishedAt ?? run.now, outputs, ...(message && { message }) }
}

/** The Pod a node asks for, with its template's fields substituted. */
function desiredPod(run: Run, call: NodeCall, attempt: number): KObject {
  const { name, template } = call
  const resolve = lookup(run, { ...call.scope, retries: String(attempt) })
  const sub = (v: unknown): unknown =>
    typeof v === 'string' ? substitute(v, resolve) : Array.isArray(v) ? v.map(sub) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)])) : v
  const source = template.container ?? template.script!
  const { source: script, ...fields } = source as typeof source & { source?: string }
  const { workflow, spec } = run.input
  return buildPod({
    workflow,
    nodeId: run.id(name),
    nodeName: name,
    template,
    container: sub(fields) as Container,
    ...(script !== undefined && { script: sub(script) as string }),
    claims: (spec.volumeClaimTemplates ?? []).map((c) => ({ name: c.metadata.name, claimName: claimName(workflow.name, c.metadata.name) })),
    ...(spec.serviceAccountName && { serviceAccountName: spec.serviceAccountName }),
  })
}

/** Whether a recorded, finished Pod is collected now (dropped from the desired Pods). */
function collect(run: Run, node: NodeRecord): boolean {
  if (run.terminating && node.message === run.terminating) return true
  const wf = run.input.observedPhase
  switch (run.spec.podGC?.strategy) {
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
