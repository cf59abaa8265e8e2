import { runCall } from './calls.ts'
import { dependsTasks, evalDepends, parseDepends, type DependsExpr, type DependsResult } from './expressions.ts'
import { continues, isFailure, isFulfilled, latest, topological, type NodeRecord, type Phase, type Scope } from './nodes.ts'
import type { Task } from './schema.ts'
import type { NodeCall, Run } from './state.ts'
import { exportGlobals, recordComposite } from './outputs.ts'
import { substitute } from './substitute.ts'
import { exposeOutputs, lookup } from './variables.ts'

const NONE: string[] = []

/** A DAG template: tasks run once their `depends`/`dependencies` allow, up to its target(s). */
export function runDag(run: Run, call: NodeCall): NodeRecord | undefined {
  const { name, displayName, template } = call
  const dag = template.dag!
  const tasks = new Map(dag.tasks.map((t) => [t.name, t]))
  // `dependencies: [a, b]` is `a && b`; only `depends` needs its expression.
  const depends = new Map<string, DependsExpr>(dag.tasks.flatMap((t) => (t.depends ? [[t.name, parseDepends(t.depends)] as const] : [])))
  const dependsNames = new Map([...depends].map(([name, expr]) => [name, [...dependsTasks(expr)]]))
  const deps = (t: Task): string[] => (t.depends ? dependsNames.get(t.name)! : (t.dependencies ?? NONE))
  // Only what the targets need (with no target, every task).
  const needed = new Set<string>()
  const need = (n: string) => {
    if (needed.has(n)) return
    needed.add(n)
    for (const d of deps(tasks.get(n)!)) need(d)
  }
  const targets = dag.target === undefined ? [] : substitute(dag.target, lookup(run, call.scope)).split(/[\s,]+/).filter(Boolean)
  const unknown = targets.find((t) => !tasks.has(t))
  if (unknown !== undefined) return run.record(name, { displayName, type: 'DAG', phase: 'Error', startedAt: run.now, finishedAt: run.now, message: `target ${JSON.stringify(unknown)} is not a task of this DAG` })
  for (const t of targets) need(t)
  // Failures another task explicitly handles (depends on X.Failed / X.Errored / X.AllFailed) do not fail the DAG.
  const handled = new Set<string>()
  for (const t of dag.tasks) if (t.depends) for (const m of t.depends.matchAll(/([A-Za-z0-9_-]+)\.(Failed|Errored|AllFailed)/g)) handled.add(m[1]!)
  const scope: Scope = { ...call.scope }
  const results = new Map<string, NodeRecord | undefined>()
  const parallelism = run.capacity(name, template.parallelism)
  let blocked = false
  const finish = (task: Task, node: NodeRecord | undefined) => {
    results.set(task.name, node)
    if (node && run.referenced.has(task.name)) exposeOutputs(scope, 'tasks', task.name, node, run.id(node.name))
    if (node && isFailure(node.phase) && !continues(task, node.phase) && !handled.has(task.name)) blocked = true
  }
  const has = (dep: string, result: DependsResult): boolean => {
    const r = results.get(dep)
    if (!r) return false
    const childPhases = () => (r.children ?? []).map((id) => run.nodeById(id)?.phase)
    switch (result) {
      case 'Succeeded': return r.phase === 'Succeeded'
      case 'Failed': return r.phase === 'Failed'
      case 'Errored': return r.phase === 'Error'
      case 'Skipped': return r.phase === 'Skipped'
      case 'Omitted': return r.phase === 'Omitted'
      case 'Daemoned': return false
      case 'AnySucceeded': return childPhases().some((p) => p === 'Succeeded')
      case 'AllFailed': {
        const phases = childPhases()
        return phases.length > 0 && phases.every((p) => p === 'Failed' || p === 'Error')
      }
    }
  }
  const order = targets.length > 0 ? topological(dag.tasks.filter((t) => needed.has(t.name)), deps) : topological(dag.tasks, deps, tasks)
  for (const task of order) {
    const taskName = `${name}.${task.name}`
    const memo = run.memo(taskName)
    // A task that ran to its end (its Pod gone) or was left out cannot change: no need to ask again.
    const settled = memo && settledTask(run, memo, task) ? run.keep(taskName, memo) : undefined
    if (settled) {
      if (settled.phase === 'Succeeded' && settled.outputs?.parameters) exportGlobals(run, { template: run.template(task.template!) }, settled.outputs.parameters)
      finish(task, settled)
      continue
    }
    const ready = deps(task).every((d) => { const r = results.get(d); return r !== undefined && isFulfilled(r.phase) })
    if (!ready) {
      results.set(task.name, undefined)
      continue
    }
    if (!memo && blocked && dag.failFast) {
      results.set(task.name, undefined)
      continue
    }
    const expr = depends.get(task.name)
    const allowed = expr ? evalDepends(expr, has) : deps(task).every((d) => has(d, 'Succeeded') || has(d, 'Skipped') || has(d, 'Daemoned'))
    if (deps(task).length > 0 && !allowed) {
      results.set(task.name, run.record(taskName, { displayName: task.name, type: 'Skipped', phase: 'Omitted', startedAt: run.now, finishedAt: run.now, message: 'its dependencies did not allow it to run' }))
      continue
    }
    finish(task, runCall(run, { name: taskName, displayName: task.name, scope, parallelism, failFast: template.failFast === true }, task))
  }
  const started = [...results.values()].filter((r): r is NodeRecord => r !== undefined)
  if (started.length === 0) return undefined
  const running = started.some((r) => !isFulfilled(r.phase))
  const pending = [...results.values()].some((r) => r === undefined)
  const failure = started.find((r) => isFailure(r.phase) && !handled.has(r.displayName) && !continues(tasks.get(r.displayName)!, r.phase))
  const phase: Phase = running ? 'Running' : failure ? failure.phase : pending ? 'Running' : 'Succeeded'
  return recordComposite(run, call, scope, {
    type: 'DAG',
    phase,
    startedAt: started[0]!.startedAt,
    ...(isFulfilled(phase) && { finishedAt: latest(started) }),
    children: started.map((r) => run.id(r.name)),
    ...(failure && !running && { message: `task ${failure.displayName} ${failure.phase.toLowerCase()}` }),
  })
}

/**
 * A task settled for good: its Pod node finished and the Pod is gone (nothing observed can change
 * it), or it was left out (Omitted). A task with a loop, its own exit handler or a retry is not a
 * single Pod node and goes the long way.
 */
function settledTask(run: Run, memo: NodeRecord, task: Task): boolean {
  if (task.onExit !== undefined || task.withItems !== undefined || task.withParam !== undefined || task.withSequence !== undefined) return false
  if (memo.type === 'Skipped' && (memo.phase === 'Omitted' || memo.phase === 'Skipped')) return true
  return run.podGone(memo)
}
