import { dependsTasks, ExpressionError, parseDepends, type DependsExpr } from './expressions.ts'
import type { Task } from './schema.ts'

/**
 * A DAG's tasks as a graph of positions (a task is its index in `dag.tasks`). Worked out once per
 * sync: validation reads its problems and cycles, the run its order and dependencies — on a
 * 10,000-task DAG, name lookups and recursion are what a sync would otherwise spend its time on.
 */
export interface DagGraph {
  /** Each name's first position. */
  readonly index: ReadonlyMap<string, number>
  /** The positions each task depends on (`dependencies`, or the tasks its `depends` names), known tasks only. */
  readonly deps: readonly (readonly number[])[]
  /** Each task's parsed `depends`, when it has one that parses. */
  readonly depends: readonly (DependsExpr | undefined)[]
  /** What is wrong with the graph, each at a path under the DAG (`.tasks[3].depends`). */
  readonly problems: readonly { at: string; message: string }[]
}

const graphs = new WeakMap<readonly Task[], DagGraph>()
const orders = new WeakMap<DagGraph, number[]>()

export function dagGraph(tasks: readonly Task[]): DagGraph {
  let graph = graphs.get(tasks)
  if (graph === undefined) {
    graph = buildGraph(tasks)
    graphs.set(tasks, graph)
  }
  return graph
}

function buildGraph(tasks: readonly Task[]): DagGraph {
  const problems: { at: string; message: string }[] = []
  const index = new Map<string, number>()
  tasks.forEach((task, k) => {
    if (index.has(task.name))
      problems.push({ at: `.tasks[${k}].name`, message: `duplicate task "${task.name}"` })
    else index.set(task.name, k)
  })
  const depends: (DependsExpr | undefined)[] = []
  const deps = tasks.map((task, k) => {
    let refs: Iterable<string> = task.dependencies ?? []
    if (task.dependencies && task.depends)
      problems.push({ at: `.tasks[${k}]`, message: 'use dependencies or depends, not both' })
    if (task.depends) {
      try {
        depends[k] = parseDepends(task.depends)
        refs = dependsTasks(depends[k])
      } catch (e) {
        problems.push({ at: `.tasks[${k}].depends`, message: (e as ExpressionError).message })
      }
    }
    const out: number[] = []
    for (const r of refs) {
      const d = index.get(r)
      if (d === undefined)
        problems.push({ at: `.tasks[${k}]`, message: `depends on unknown task "${r}"` })
      else out.push(d)
    }
    return out
  })
  return { index, deps, depends, problems }
}

/**
 * Positions in an order where each task comes after what it depends on: depth first from each
 * root in turn (`roots`, the spec's order by default), so the same DAG always runs in the same order.
 */
export function topologicalOrder(graph: DagGraph, roots?: readonly number[]): number[] {
  if (roots === undefined) {
    let all = orders.get(graph)
    if (all === undefined) {
      all = walk(
        graph.deps,
        graph.deps.map((_, k) => k),
        false,
      ).order
      orders.set(graph, all)
    }
    return all
  }
  return walk(graph.deps, roots, false).order
}

/**
 * Depth first from each of `roots` in turn along `edges`, without recursion (a 10,000-task chain is
 * 10,000 deep): the post-order, and the first cycle met (as the path around it), if any.
 */
function walk(
  edges: readonly (readonly number[])[],
  roots: readonly number[],
  stopAtCycle: boolean,
): { order: number[]; cycle?: number[] } {
  const NEW = 0
  const ON_PATH = 1
  const DONE = 2
  const state = new Uint8Array(edges.length)
  const order: number[] = []
  const path: number[] = []
  const cursor: number[] = []
  for (const root of roots) {
    if (state[root] !== NEW) continue
    state[root] = ON_PATH
    path.push(root)
    cursor.push(0)
    while (path.length > 0) {
      const top = path.length - 1
      const next = edges[path[top]!]![cursor[top]!]
      if (next === undefined) {
        const done = path.pop()!
        state[done] = DONE
        order.push(done)
        cursor.pop()
        continue
      }
      cursor[top]!++
      if (state[next] === ON_PATH && stopAtCycle)
        return { order, cycle: [...path.slice(path.indexOf(next)), next] }
      if (state[next] !== NEW) continue
      state[next] = ON_PATH
      path.push(next)
      cursor.push(0)
    }
  }
  return { order }
}

/**
 * A cycle in a directed graph of positions (`edges[n]`: where n leads), as the path around it, or
 * undefined. Walked in order, so the same graph always reports the same cycle.
 */
export function findCycle(edges: readonly (readonly number[])[]): number[] | undefined {
  return walk(
    edges,
    edges.map((_, k) => k),
    true,
  ).cycle
}
