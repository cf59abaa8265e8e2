import { runCall } from './calls.ts'
import { dagGraph, topologicalOrder, type DagGraph } from './dag-graph.ts'
import { evalDepends, type DependsResult } from './expressions.ts'
import { isUp, stopDaemons } from './daemons.ts'
import {
  continues,
  exitHandlerOf,
  isFailure,
  isFulfilled,
  latest,
  letsScopeOn,
  type NodeRecord,
  type Phase,
  type Scope,
} from './nodes.ts'
import type { Task } from './schema.ts'
import type { NodeCall, Run } from './state.ts'
import { exportGlobals, recordComposite } from './outputs.ts'
import { substitute } from './substitute.ts'
import { exposeOutputs, lookup } from './variables.ts'

/** A DAG template: tasks run once their `depends`/`dependencies` allow, up to its target(s). */
export function runDag(run: Run, call: NodeCall): NodeRecord | undefined {
  const { name, displayName, template } = call
  const dag = template.dag!
  const tasks = dag.tasks
  // `dependencies: [a, b]` is `a && b`; only `depends` needs its expression.
  const graph = dagGraph(tasks)
  const targets =
    dag.target === undefined
      ? []
      : substitute(dag.target, lookup(run, call.scope))
          .split(/[\s,]+/)
          .filter(Boolean)
  const unknown = targets.find((t) => !graph.index.has(t))
  if (unknown !== undefined)
    return run.record(name, {
      displayName,
      type: 'DAG',
      phase: 'Error',
      startedAt: run.now,
      finishedAt: run.now,
      message: `target ${JSON.stringify(unknown)} is not a task of this DAG`,
    })
  // Only what the targets need (with no target, every task).
  const order =
    targets.length > 0 ? topologicalOrder(graph, needed(graph, targets)) : topologicalOrder(graph)
  // Failures another task explicitly handles (depends on X.Failed / X.Errored / X.AllFailed) do not fail the DAG.
  const handled = new Set<string>()
  for (const t of tasks)
    if (t.depends)
      for (const m of t.depends.matchAll(/([A-Za-z0-9_-]+)\.(Failed|Errored|AllFailed)/g))
        handled.add(m[1]!)
  const scope: Scope = { ...call.scope }
  /** Each visited task's node (undefined while it waits), by position. */
  const results: (NodeRecord | undefined)[] = new Array(tasks.length)
  const parallelism = run.capacity(name, template.parallelism)
  let blocked = false
  const finish = (task: Task, k: number, node: NodeRecord | undefined) => {
    results[k] = node
    if (node && run.referenced.has(task.name))
      exposeOutputs(scope, 'tasks', task.name, node, run.id(node.name))
    if (node && isFailure(node.phase) && !continues(task, node.phase) && !handled.has(task.name))
      blocked = true
  }
  const has = (dep: string, result: DependsResult): boolean => {
    const at = graph.index.get(dep)
    const r = at === undefined ? undefined : results[at]
    if (!r) return false
    const childPhases = () => (r.children ?? []).map((id) => run.nodeById(id)?.phase)
    switch (result) {
      case 'Succeeded':
        return r.phase === 'Succeeded'
      case 'Failed':
        return r.phase === 'Failed'
      case 'Errored':
        return r.phase === 'Error'
      case 'Skipped':
        return r.phase === 'Skipped'
      case 'Omitted':
        return r.phase === 'Omitted'
      case 'Daemoned':
        return r.daemoned === true
      case 'AnySucceeded':
        return childPhases().some((p) => p === 'Succeeded')
      case 'AllFailed': {
        const phases = childPhases()
        return phases.length > 0 && phases.every((p) => p === 'Failed' || p === 'Error')
      }
    }
  }
  for (const k of order) {
    const task = tasks[k]!
    const deps = graph.deps[k]!
    const taskName = `${name}.${task.name}`
    const memo = run.memo(taskName)
    // A task that ran to its end (its Pod gone) or was left out cannot change: no need to ask again.
    const settled = memo && settledTask(run, memo, task) ? run.keep(taskName, memo) : undefined
    if (settled) {
      if (settled.phase === 'Succeeded' && settled.outputs)
        exportGlobals(
          run,
          { template: run.template(task.template!) },
          settled.outputs.parameters ?? {},
          settled.outputs.artifacts,
        )
      finish(task, k, settled)
      continue
    }
    const ready = deps.every((d) => {
      const r = results[d]
      return r !== undefined && letsScopeOn(r)
    })
    if (!ready) continue
    if (!memo && blocked && dag.failFast) continue
    const expr = graph.depends[k]
    const allowed = expr
      ? evalDepends(expr, has)
      : deps.every((d) => {
          const dep = tasks[d]!.name
          return has(dep, 'Succeeded') || has(dep, 'Skipped') || has(dep, 'Daemoned')
        })
    if (deps.length > 0 && !allowed) {
      results[k] = run.record(taskName, {
        displayName: task.name,
        type: 'Skipped',
        phase: 'Omitted',
        startedAt: run.now,
        finishedAt: run.now,
        message: 'its dependencies did not allow it to run',
      })
      continue
    }
    finish(
      task,
      k,
      runCall(
        run,
        {
          name: taskName,
          displayName: task.name,
          scope,
          parallelism,
          failFast: template.failFast === true,
          kind: 'tasks',
        },
        task,
      ),
    )
  }
  const started: NodeRecord[] = []
  let pending = false
  let running = false
  let failure: NodeRecord | undefined
  for (const k of order) {
    const r = results[k]
    if (r === undefined) {
      pending = true
      continue
    }
    started.push(r)
    if (!letsScopeOn(r)) running = true
    else if (
      !failure &&
      isFailure(r.phase) &&
      !handled.has(r.displayName) &&
      !continues(tasks[k]!, r.phase)
    )
      failure = r
  }
  if (started.length === 0) return undefined
  const phase: Phase = running
    ? 'Running'
    : failure
      ? failure.phase
      : pending
        ? 'Running'
        : 'Succeeded'
  const node = recordComposite(run, call, scope, {
    type: 'DAG',
    phase,
    startedAt: started[0]!.startedAt,
    ...(isFulfilled(phase) && { finishedAt: latest(started) }),
    children: started.map((r) => run.id(r.name)),
    ...(failure &&
      !running && { message: `task ${failure.displayName} ${failure.phase.toLowerCase()}` }),
  })
  if (isFulfilled(node.phase) && started.some(isUp)) stopDaemons(run, node, 'DAG')
  return node
}

/** The positions the targets need (themselves and, transitively, what they depend on), in the spec's order. */
function needed(graph: DagGraph, targets: string[]): number[] {
  const seen = new Uint8Array(graph.deps.length)
  const queue = targets.map((t) => graph.index.get(t)!)
  while (queue.length > 0) {
    const k = queue.pop()!
    if (seen[k]) continue
    seen[k] = 1
    queue.push(...graph.deps[k]!)
  }
  return graph.deps.flatMap((_, k) => (seen[k] ? [k] : []))
}

/**
 * A task settled for good: its Pod node finished and the Pod is gone (nothing observed can change
 * it), or it was left out (Omitted). A task with a loop, its own exit handler or hooks, or a retry is not a
 * single Pod node and goes the long way.
 */
function settledTask(run: Run, memo: NodeRecord, task: Task): boolean {
  if (
    exitHandlerOf(task) !== undefined ||
    task.hooks !== undefined ||
    task.withItems !== undefined ||
    task.withParam !== undefined ||
    task.withSequence !== undefined
  )
    return false
  if (memo.type === 'Skipped' && (memo.phase === 'Omitted' || memo.phase === 'Skipped')) return true
  return run.podGone(memo)
}
