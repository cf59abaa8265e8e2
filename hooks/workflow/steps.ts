import type { Engine } from './engine.ts'
import { continues, exposeOutputs, isFailure, isFulfilled, latest, type NodeRecord, type Phase, type Scope } from './nodes.ts'
import type { Template } from './schema.ts'

/** A steps template: groups run one after another, the steps of a group in parallel. */
export function runSteps(engine: Engine, name: string, displayName: string, template: Template, inputs: Scope): NodeRecord | undefined {
  const groups: string[] = []
  const scope: Scope = { ...inputs }
  const parallelism = engine.capacity(name, template.parallelism)
  let phase: Phase = 'Succeeded'
  let message: string | undefined
  for (const [g, group] of template.steps!.entries()) {
    const groupName = `${name}[${g}]`
    const results = group.map((step) => [step, engine.call(`${groupName}.${step.name}`, step.name, step, scope, parallelism)] as const)
    const started = results.filter(([, r]) => r !== undefined)
    if (started.length === 0) {
      if (g === 0) return undefined
      phase = 'Running'
      break
    }
    const done = results.every(([, r]) => r && isFulfilled(r.phase))
    const failed = results.find(([step, r]) => r && isFailure(r.phase) && !continues(step, r.phase))
    groups.push(engine.id(groupName))
    engine.record(groupName, {
      displayName: `[${g}]`,
      type: 'StepGroup',
      phase: !done ? 'Running' : failed ? failed[1]!.phase : 'Succeeded',
      startedAt: started[0]![1]!.startedAt,
      ...(done && { finishedAt: latest(started.map(([, r]) => r!)) }),
      children: started.map(([, r]) => engine.id(r!.name)),
    })
    for (const [step, r] of results) if (r) exposeOutputs(scope, 'steps', step.name, r)
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
  const startedAt = engine.nodes[groups[0]!]?.startedAt ?? engine.now
  return engine.record(name, { displayName, type: 'Steps', phase, startedAt, ...(isFulfilled(phase) && { finishedAt: engine.latestOf(groups) }), children: groups, ...(message && { message }) })
}
