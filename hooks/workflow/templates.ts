import { artifactVariables, inputArtifacts } from './artifacts.ts'
import { configMapValue } from './configmaps.ts'
import { runDag } from './dag.ts'
import { ExpressionError } from './expressions.ts'
import { isSubstitutionError } from './substitute.ts'
import { isFulfilled, type NodeRecord, type Scope } from './nodes.ts'
import { runPod } from './pod-node.ts'
import { runRetry } from './retry.ts'
import type { Template } from './schema.ts'
import type { NodeCall, Run } from './state.ts'
import { runSteps } from './steps.ts'
import { runSuspend } from './suspend.ts'

/** The kinds of template, each run by one function: the dispatch table the engine goes through. */
export const TEMPLATE_KINDS = [
  'container',
  'script',
  'containerSet',
  'resource',
  'http',
  'steps',
  'dag',
  'suspend',
] as const
export type TemplateKind = (typeof TEMPLATE_KINDS)[number]

type Runner = (run: Run, call: NodeCall) => NodeRecord | undefined

/** How deep templates may call each other (Argo's maxAllowedStackDepth is 100 too). */
export const MAX_DEPTH = 100

const RUNNERS: Record<TemplateKind, Runner> = {
  container: runLeaf,
  script: runLeaf,
  containerSet: runLeaf,
  resource: runLeaf,
  http: runLeaf,
  steps: runSteps,
  dag: runDag,
  suspend: runSuspend,
}

export function kindOf(template: Template): TemplateKind {
  return TEMPLATE_KINDS.find((k) => template[k] !== undefined)!
}

/** Runs any template as node `call.name` with the arguments it was called with. */
export function runTemplate(
  run: Run,
  call: Omit<NodeCall, 'scope'>,
  args: Scope,
): NodeRecord | undefined {
  const memo = run.memo(call.name)
  const started = memo?.inputs?.parameters
  // A Pod node that finished needs no inputs any more (a compacted one no longer holds them).
  const finishedPod = memo?.type === 'Pod' && isFulfilled(memo.phase)
  const parameters: Record<string, string> = {}
  if (started) Object.assign(parameters, started)
  else {
    for (const p of call.template.inputs?.parameters ?? []) {
      const ref = p.valueFrom?.configMapKeyRef
      let value: string | undefined
      try {
        value =
          args[p.name] ??
          (ref ? configMapValue(run, ref) : undefined) ??
          p.value ??
          p.valueFrom?.default ??
          p.default
      } catch (error) {
        if (!isSubstitutionError(error)) throw error
        if (finishedPod) return run.keep(call.name, memo)
        return run.error(call, `input parameter ${p.name}: ${error.message}`)
      }
      if (value === undefined && finishedPod) return run.keep(call.name, memo)
      if (value === undefined)
        return run.record(call.name, {
          displayName: call.displayName,
          type: 'Pod',
          phase: 'Error',
          message: `input parameter ${p.name} has no value`,
        })
      if (p.enum && !p.enum.includes(value))
        return run.error(
          call,
          `input parameter ${p.name} is ${JSON.stringify(value)}, not one of its enum ${JSON.stringify(p.enum)}`,
        )
      parameters[p.name] = value
    }
  }
  const scope: Scope = {}
  for (const [k, v] of Object.entries(parameters)) scope[`inputs.parameters.${k}`] = v
  let artifacts = memo?.inputs?.artifacts
  if (!artifacts && !finishedPod && call.template.inputs?.artifacts?.length) {
    try {
      artifacts = inputArtifacts(run, call.template, args, scope)
    } catch (error) {
      if (!isSubstitutionError(error)) throw error
      return run.error(call, error.message)
    }
  }
  const paths = Object.fromEntries(
    (call.template.inputs?.artifacts ?? []).map((a) => [a.name, a.path]),
  )
  Object.assign(scope, artifactVariables('inputs.artifacts', artifacts, paths))
  const waiting = waitForLocks(run, call, memo)
  if (waiting) return waiting
  // A template may call itself (ended by a `when`, as in Argo); past this depth it is an Error.
  if (run.depth >= MAX_DEPTH)
    return run.error(
      call,
      `maximum recursion depth (${MAX_DEPTH}) exceeded: templates call each other ${MAX_DEPTH} deep here (a recursion whose when never turns false?)`,
    )
  let node: NodeRecord | undefined
  run.depth++
  try {
    node = RUNNERS[kindOf(call.template)](run, { ...call, scope })
  } catch (error) {
    if (!isSubstitutionError(error) && !(error instanceof ExpressionError)) throw error
    return run.error(call, error.message)
  } finally {
    run.depth--
  }
  // What it started with, kept so later syncs never resolve its inputs again.
  if (node && node.inputs === undefined && (Object.keys(parameters).length > 0 || artifacts))
    node.inputs = { parameters, ...(artifacts && { artifacts }) }
  return node
}

/** How often a node waiting for a lock looks again, besides when a lock slot or Workflow changes. */
export const LOCK_RETRY_SECONDS = 15

/**
 * Template-level synchronization: a node that has not started runs once it holds its template's
 * locks; until then it is Pending, saying what it waits for. One that finished needs none (its
 * slots are given back by leaving the answer).
 */
function waitForLocks(
  run: Run,
  call: Omit<NodeCall, 'scope'>,
  memo: NodeRecord | undefined,
): NodeRecord | undefined {
  const sync = call.template.synchronization
  if (!sync || (memo && isFulfilled(memo.phase))) return undefined
  if (!run.input.nodeLocks)
    throw new Error('template-level synchronization without the lock slots (sync.ts relates them)')
  const started = memo !== undefined && memo.waitingForLock === undefined
  const got = run.input.nodeLocks.acquire(call.name, call.template.name, sync, started)
  if (got.admitted || started) return undefined
  run.wake(LOCK_RETRY_SECONDS)
  const type = call.template.steps
    ? 'Steps'
    : call.template.dag
      ? 'DAG'
      : call.template.suspend
        ? 'Suspend'
        : 'Pod'
  return run.record(call.name, {
    displayName: call.displayName,
    type,
    phase: 'Pending',
    startedAt: memo?.startedAt ?? run.now,
    message: got.message,
    waitingForLock: got.lock,
  })
}

/** A Pod template, retried when a retryStrategy (its own or the workflow's) says so. */
function runLeaf(run: Run, call: NodeCall): NodeRecord | undefined {
  const retry = call.template.retryStrategy ?? run.spec.retryStrategy
  return retry ? runRetry(run, call, retry) : runPod(run, call, 0)
}
