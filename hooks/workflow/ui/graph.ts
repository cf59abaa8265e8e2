import dagre from '@dagrejs/dagre'
import type { NodeRecord } from '../nodes.ts'

/** A node where the layout put it. */
export interface PlacedNode {
  id: string
  node: NodeRecord
  x: number
  y: number
  width: number
  height: number
}

export interface Layout {
  nodes: PlacedNode[]
  edges: { from: string; to: string; points: { x: number; y: number }[] }[]
  width: number
  height: number
}

const POD = { width: 170, height: 34 }
const GROUP = { width: 26, height: 26 }
/** Steps, step groups, DAGs, task groups (loop expansions) and retries: they group what runs. */
const isGroup = (n: NodeRecord) => n.type !== 'Pod' && n.type !== 'Suspend' && n.type !== 'Skipped'

/**
 * Lays out a workflow's nodes as Argo's UI draws them: each node above what it started (the
 * `children` the engine records), top to bottom. The exit handler's nodes are laid out on their
 * own and placed below, apart from the run they follow. dagre does the layout (network simplex
 * ranking, crossing reduction).
 */
export function layoutWorkflow(
  workflowName: string,
  nodes: Record<string, NodeRecord>,
  templates: readonly DagTemplate[] = [],
): Layout {
  const exitRoot = Object.keys(nodes).find((id) => nodes[id]!.name === `${workflowName}.onExit`)
  const exitIds = exitRoot ? reachable(nodes, exitRoot) : new Set<string>()
  const edges = graphEdges(nodes, templates)
  const main = layoutPart(nodes, edges, (id) => !exitIds.has(id))
  if (exitIds.size === 0) return main
  const exit = layoutPart(nodes, edges, (id) => exitIds.has(id))
  const gap = 60
  const shift = (n: PlacedNode) => ({ ...n, y: n.y + main.height + gap })
  return {
    nodes: [...main.nodes, ...exit.nodes.map(shift)],
    edges: [
      ...main.edges,
      ...exit.edges.map((e) => ({
        ...e,
        points: e.points.map((p) => ({ x: p.x, y: p.y + main.height + gap })),
      })),
    ],
    width: Math.max(main.width, exit.width),
    height: main.height + gap + exit.height,
  }
}

function reachable(nodes: Record<string, NodeRecord>, from: string): Set<string> {
  const seen = new Set<string>()
  const visit = (id: string) => {
    if (seen.has(id) || !nodes[id]) return
    seen.add(id)
    for (const child of nodes[id]!.children ?? []) visit(child)
  }
  visit(from)
  return seen
}

/** What the graph needs of a template: a DAG's tasks and what each waits for. */
export interface DagTemplate {
  dag?: { tasks: { name: string; dependencies?: string[]; depends?: string }[] }
}

/** The task names a `depends` expression mentions (`a && (b.Failed || c)` → a, b, c). */
const dependsOn = (expression: string) =>
  [...expression.matchAll(/[A-Za-z0-9_-]+(?:\.[A-Za-z]+)?/g)].map((m) => m[0].split('.')[0]!)

const baseName = (displayName: string) => displayName.replace(/\(.*\)$/, '')

/**
 * Edges as Argo's UI draws them: from a node to the nodes it started, except that a Steps node's
 * groups run one after another (where each step of a group ended leads to the next group), and
 * inside a DAG a task hangs off where the tasks it depends on ended — every expansion of a loop,
 * every attempt of a retry — while the DAG node only starts those that depend on none.
 */
function graphEdges(
  nodes: Record<string, NodeRecord>,
  templates: readonly DagTemplate[],
): [string, string][] {
  const edges: [string, string][] = []
  const childrenOf = (id: string) => (nodes[id]?.children ?? []).filter((c) => nodes[c])
  /** Where a node's run ends: the leaves under it (the attempts of a retry, the expansions of a loop, a nested template's last steps). */
  const leaves = (id: string, seen = new Set<string>()): string[] => {
    if (seen.has(id)) return []
    seen.add(id)
    const children = childrenOf(id)
    return children.length === 0 ? [id] : children.flatMap((c) => leaves(c, seen))
  }
  for (const [id, node] of Object.entries(nodes)) {
    const children = childrenOf(id)
    if (node.type === 'Steps') {
      children.forEach((group, i) => {
        for (const from of i === 0 ? [id] : leaves(children[i - 1]!)) edges.push([from, group])
      })
      continue
    }
    const names = new Set(children.map((c) => baseName(nodes[c]!.displayName)))
    const tasks =
      node.type === 'DAG'
        ? templates.find(
            (t) => t.dag && [...names].every((n) => t.dag!.tasks.some((task) => task.name === n)),
          )?.dag?.tasks
        : undefined
    if (!tasks) {
      for (const child of children) edges.push([id, child])
      continue
    }
    const byTask = new Map(children.map((c) => [baseName(nodes[c]!.displayName), c]))
    for (const child of children) {
      const task = tasks.find((t) => t.name === baseName(nodes[child]!.displayName))
      const deps = [
        ...(task?.dependencies ?? []),
        ...(task?.depends ? dependsOn(task.depends) : []),
      ].filter((d) => byTask.has(d))
      if (deps.length === 0) edges.push([id, child])
      for (const dep of new Set(deps))
        for (const from of leaves(byTask.get(dep)!)) edges.push([from, child])
    }
  }
  return edges
}

/** Nodes in the order the run reached them (depth first from the root), so the picture is stable. */
function inRunOrder(nodes: Record<string, NodeRecord>): string[] {
  const started = new Set(Object.values(nodes).flatMap((n) => n.children ?? []))
  const order: string[] = []
  const seen = new Set<string>()
  const visit = (id: string) => {
    if (seen.has(id) || !nodes[id]) return
    seen.add(id)
    order.push(id)
    for (const child of nodes[id]!.children ?? []) visit(child)
  }
  for (const id of Object.keys(nodes).sort()) if (!started.has(id)) visit(id)
  for (const id of Object.keys(nodes).sort()) visit(id)
  return order
}

function layoutPart(
  nodes: Record<string, NodeRecord>,
  edges: readonly [string, string][],
  include: (id: string) => boolean,
): Layout {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 16, marginy: 16 })
  g.setDefaultEdgeLabel(() => ({}))
  const ids = inRunOrder(nodes).filter(include)
  for (const id of ids) g.setNode(id, { ...(isGroup(nodes[id]!) ? GROUP : POD) })
  for (const [from, to] of edges) if (include(from) && include(to)) g.setEdge(from, to)
  dagre.layout(g)
  const graph = g.graph() as { width?: number; height?: number }
  return {
    nodes: ids.map((id) => {
      const placed = g.node(id) as { x: number; y: number; width: number; height: number }
      return {
        id,
        node: nodes[id]!,
        x: placed.x,
        y: placed.y,
        width: placed.width,
        height: placed.height,
      }
    }),
    edges: g.edges().map((e) => ({
      from: e.v,
      to: e.w,
      points: (g.edge(e) as { points: { x: number; y: number }[] }).points,
    })),
    width: graph.width ?? 0,
    height: graph.height ?? 0,
  }
}

export const PHASE_COLOURS: Record<string, string> = {
  Succeeded: '#18be94',
  Failed: '#e96d76',
  Error: '#e96d76',
  Running: '#0dadea',
  Pending: '#8fa4b1',
  Skipped: '#ccd6dd',
  Omitted: '#ccd6dd',
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const clipLabel = (text: string) => (text.length > 22 ? `${text.slice(0, 21)}…` : text)

/** The layout as SVG: one `<g class="node" data-node-id data-phase>` per node, coloured by phase. */
export function graphSvg(layout: Layout): string {
  const edges = layout.edges.map(
    (e) =>
      `<path class="edge" d="M${e.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' L')}"/>`,
  )
  const nodes = layout.nodes.map(({ id, node, x, y, width, height }) => {
    const colour = PHASE_COLOURS[node.phase] ?? '#f4c030'
    const attrs = `class="node ${isGroup(node) ? 'group' : 'pod'}" data-node-id="${escape(id)}" data-name="${escape(node.displayName)}" data-phase="${escape(node.phase)}" tabindex="0"`
    const title = `<title>${escape(`${node.displayName}: ${node.phase}${node.message ? ` — ${node.message}` : ''}`)}</title>`
    if (isGroup(node))
      return `<g ${attrs}>${title}<circle cx="${x}" cy="${y}" r="${width / 2}" fill="#fff" stroke="${colour}" stroke-width="3" stroke-dasharray="${node.type === 'Retry' ? '2 2' : 'none'}"/></g>`
    return `<g ${attrs}>${title}<rect x="${x - width / 2}" y="${y - height / 2}" width="${width}" height="${height}" rx="17" fill="${colour}"/><text x="${x}" y="${y + 4}" text-anchor="middle">${escape(clipLabel(node.displayName))}</text></g>`
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${Math.ceil(layout.width)}" height="${Math.ceil(layout.height)}" viewBox="0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}">${edges.join('')}${nodes.join('')}</svg>`
}
