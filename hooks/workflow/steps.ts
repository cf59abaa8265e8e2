import { runCall } from './calls.ts'
import { isUp, stopDaemons } from './daemons.ts'
import {
  continues,
  isFailure,
  isFulfilled,
  latest,
  letsScopeOn,
  type NodeRecord,
  type Phase,
  type Scope,
} from './nodes.ts'
import type { Step } from './schema.ts'
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
  /** A daemon that was up and then failed: later groups had started, so they go on; the steps fail at the end. */
  let daemonFailed: readonly [Step, NodeRecord] | undefined
  let daemonsUp = false
  for (const [g, group] of template.steps!.entries()) {
    const groupName = `${name}[${g}]`
    const results = group.map(
      (step) =>
        [
          step,
          runCall(
            run,
            {
              name: `${groupName}.${step.name}`,
              displayName: step.name,
              scope,
              parallelism,
              failFast: template.failFast === true,
              kind: 'steps',
            },
            step,
          ),
        ] as const,
    )
    const started = results.filter(([, r]) => r !== undefined)
    if (started.length === 0) {
      if (g === 0) return undefined
      phase = 'Running'
      break
    }
    const done = results.every(([, r]) => r && letsScopeOn(r))
    daemonsUp ||= results.some(([, r]) => r !== undefined && isUp(r))
    const failures = results.filter(
      (e): e is readonly [Step, NodeRecord] =>
        e[1] !== undefined && isFailure(e[1].phase) && !continues(e[0], e[1].phase),
    )
    const failed = failures.find(([, r]) => r.daemoned !== true)
    daemonFailed ??= failures.find(([, r]) => r.daemoned === true)
    const groupFailure = failed ?? failures[0]
    groups.push(run.id(groupName))
    groupNodes.push(
      run.record(groupName, {
        displayName: `[${g}]`,
        type: 'StepGroup',
        phase: !done ? 'Running' : groupFailure ? groupFailure[1].phase : 'Succeeded',
        startedAt: started[0]![1]!.startedAt,
        ...(done && { finishedAt: latest(started.map(([, r]) => r!)) }),
        children: started.map(([, r]) => run.id(r!.name)),
      }),
    )
    for (const [step, r] of results)
      if (r && run.referenced.has(step.name))
        exposeOutputs(scope, 'steps', step.name, r, run.id(r.name))
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
  if (phase === 'Succeeded' && daemonFailed) {
    phase = daemonFailed[1].phase
    message = `daemon step ${daemonFailed[0].name} ${daemonFailed[1].phase.toLowerCase()}`
  }
  const startedAt = groupNodes[0]?.startedAt ?? run.now
  const node = recordComposite(run, call, scope, {
    type: 'Steps',
    phase,
    startedAt,
    ...(isFulfilled(phase) && { finishedAt: latest(groupNodes) }),
    children: groups,
    ...(message && { message }),
  })
  if (isFulfilled(node.phase) && daemonsUp) stopDaemons(run, node, 'steps')
  return node
}
