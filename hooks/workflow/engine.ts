import type { KObject } from 'metahooks'
import { artifactArguments } from './artifacts.ts'
import { compact } from './compact.ts'
import { workflowParameters } from './configmaps.ts'
import { runExitHandler } from './exit.ts'
import { runWorkflowHooks } from './lifecycle.ts'
import { earliest, isFulfilled, isWorkflowDone, type NodeRecord, type Phase } from './nodes.ts'
import { Run, type EngineInput } from './state.ts'
import { runTemplate } from './templates.ts'

/**
 * The workflow engine: one pure evaluation per sync. Children are the truth for live nodes
 * (observed Pods), the previous status is the memo for finished ones; the result is the Pods that
 * should exist and the new status. Nothing here reads a clock but `now`, or keeps state.
 */

export type { EngineInput }

export interface EngineOutput {
  pods: KObject[]
  status: Record<string, unknown>
  resyncAfterSeconds?: number
}

/** One evaluation of the whole workflow: the Pods that should exist, the status, the next wake-up. */
export function evaluate(input: EngineInput): EngineOutput {
  const run = new Run(input)
  const { spec, workflow } = input
  const { startedAt } = run
  const deadlineAt =
    spec.activeDeadlineSeconds !== undefined
      ? Date.parse(startedAt) + spec.activeDeadlineSeconds * 1000
      : undefined
  if (deadlineAt !== undefined && run.nowMs >= deadlineAt)
    run.terminating = 'the workflow exceeded its activeDeadlineSeconds'
  else if (spec.shutdown === 'Terminate') run.terminating = 'the workflow was terminated'
  else if (deadlineAt !== undefined) run.wake((deadlineAt - run.nowMs) / 1000)
  run.scheduling = !spec.suspend && !spec.shutdown && !run.terminating

  const args = {
    ...workflowParameters(run),
    ...artifactArguments(run, spec.arguments?.artifacts, {}),
  }
  let root = runTemplate(
    run,
    { name: workflow.name, displayName: workflow.name, template: run.template(spec.entrypoint!) },
    args,
  )
  const stopped =
    spec.shutdown === 'Stop' || spec.shutdown === 'Terminate' || run.terminating !== undefined
  if (stopped && run.active === 0 && (!root || !isFulfilled(root.phase))) {
    root = run.record(workflow.name, {
      ...(root ?? { displayName: workflow.name, type: 'Steps' }),
      phase: 'Failed',
      startedAt,
      finishedAt: run.now,
      message: run.terminating ?? 'the workflow was stopped',
    } as NodeRecord)
  }
  let phase: Phase | 'Pending' = root ? root.phase : 'Pending'
  let message = root?.message
  const hooks = runWorkflowHooks(
    run,
    !root ? 'Pending' : isFulfilled(root.phase) ? root.phase : 'Running',
  )
  if (root && phase !== 'Pending') ({ phase, message } = runExitHandler(run, root, phase, message))
  if (hooks.running && isFulfilled(phase as Phase)) phase = 'Running'
  else if (hooks.error && (phase === 'Succeeded' || phase === 'Skipped' || phase === 'Omitted')) {
    phase = 'Error'
    message = hooks.error
  }
  const workflowPhase = phase === 'Skipped' || phase === 'Omitted' ? 'Succeeded' : phase
  let pods = 0
  let succeeded = 0
  for (const n of run.nodes.values()) {
    if (n.type !== 'Pod') continue
    pods++
    if (n.phase === 'Succeeded') succeeded++
  }
  const done = isWorkflowDone(workflowPhase)
  const status: Record<string, unknown> = {
    phase: workflowPhase,
    startedAt,
    ...(done && { finishedAt: input.observedFinishedAt ?? run.now }),
    ...(message && { message: message.slice(0, 256) }),
    ...(!done && spec.suspend && { message: 'suspended: set spec.suspend to false to resume' }),
    progress: `${succeeded}/${pods}`,
    ...globalOutputs(run),
    ...compactStatus(run, startedAt),
  }
  const resync = done ? run.cleanupResync : earliest(run.resync, run.cleanupResync)
  return { pods: run.pods, status, ...(resync !== undefined && { resyncAfterSeconds: resync }) }
}

/** status.outputs: the parameters and artifacts exported with globalName, as Argo lists them. */
function globalOutputs(run: Run): Record<string, unknown> {
  const parameters = Object.entries(run.globals).map(([name, value]) => ({ name, value }))
  const artifacts = Object.entries(run.globalArtifacts).map(([name, location]) => ({
    name,
    ...location,
  }))
  if (parameters.length === 0 && artifacts.length === 0) return {}
  return {
    outputs: {
      ...(parameters.length > 0 && { parameters }),
      ...(artifacts.length > 0 && { artifacts }),
    },
  }
}

function compactStatus(run: Run, since: string): Record<string, unknown> {
  const c = compact(run.nodes, since, (name) => run.id(name), run.input.memo)
  return { nodes: c.nodes, ...(c.finishedPods && { finishedPods: c.finishedPods }) }
}
