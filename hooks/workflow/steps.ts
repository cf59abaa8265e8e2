import { runCall } from './calls.ts'
import { continues, isFailure, isFulfilled, latest, type NodeRecord, type Phase, type Scope } from './nodes.ts'
import type { NodeCall, Run } from './state.ts'
import { recordComposite } from './outputs.ts'
import { exposeOutputs } from './variables.ts'

/** A steps template: groups run one after another, the steps of a group in parallel. */
export function runSteps(run: Run, call: NodeCall): NodeRecord | undefined {
  const { name, template } = call
  const groups: string[] = []
  const groupNodes: NodeRecord[] = []
  const scope: Scope = { ...call.scope }
  const parallelism = run.capacity(name, template.parallelism)
  let phase: Phase = 'Succeeded'
  let message: string | undefined
  for (const [g, group] of template.steps!.entries()) {
    const groupName = `${name}[${g}]`
    const results = group.map((step) => [step, runCall(run, { name: `${groupName}.${step.name}`, displayName: step.name, scope, parallelism, failFast: template.failFast === true }, step)] as const)
    const started = results.filter(([, r]) => r !== undefined)
    if (started.length === 0) {
      if (g === 0) return undefined
      phase = 'Running'
      break
    }
    const done = results.every(([, r]) => r && isFulfilled(r.phase))
    const failed = results.find(([step, r]) => r && isFailure(r.phase) && !continues(step, r.phase))
    groups.push(run.id(groupName))
    groupNodes.push(run.record(groupName, {
      displayName: `[${g}]`,
      type: 'StepGroup',
      phase: !done ? 'Running' : failed ? failed[1]!.phase : 'Succeeded',
      startedAt: started[0]![1]!.startedAt,
      ...(done && { finishedAt: latest(started.map(([, r]) => r!)) }),
      children: started.map(([, r]) => run.id(r!.name)),
    }))
    for (const [step, r] of results) if (r && run.referenced.has(step.name)) exposeOutputs(scope, 'steps', step.name, r, run.id(r.name))
    if (!done) {
      phase = 'Running'
      break
    }
    if (failed) {
      phase = failed[1]!.phase
      message = `step ${failed[0].name} ${failed[1]!.phase.toLowerCase()}`
      break
    }
  }
  const startedAt = groupNodes[0]?.startedAt ?? run.now
  return recordComposite(run, call, scope, { type: 'Steps', phase, startedAt, ...(isFulfilled(phase) && { finishedAt: latest(groupNodes) }), children: groups, ...(message && { message }) })
}
