import * as z from 'zod'
import { fnv32a, HookError } from 'metahooks'
import { isFulfilled, iso, type NodeRecord, type Phase } from './nodes.ts'

/**
 * The status of a large workflow: past COMPACT_AFTER nodes, finished Pod nodes leave `nodes` for
 * `finishedPods`, one row each instead of one object (a 10,000-task DAG stays well under the 1 MiB
 * an object may hold). Still JSON, readable with kubectl and jq: each row is
 *
 *     [parent, displayName, phase, startedAt, finishedAt, exitCode, templateName, message, outputs, hostNodeName]
 *
 * where `parent` indexes `finishedPods.parents` (the node's name is `<parent>.<displayName>`), the
 * times are seconds after `finishedPods.since`, and trailing empty fields are left out. The id of
 * a node is `<workflow>-<fnv32a(name)>`, as for every node. Argo compresses the same way in spirit
 * (`compressedNodes`), but as gzip+base64 no one can read without its tools.
 */

export const COMPACT_AFTER = 500
export const FINISHED_PODS_FIELDS = [
  'parent',
  'displayName',
  'phase',
  'startedAt',
  'finishedAt',
  'exitCode',
  'templateName',
  'message',
  'outputs',
  'hostNodeName',
] as const

/** A row as compact() writes it (checked with one function per row: 10,000 rows must read fast). */
const isRow = (r: unknown): boolean =>
  Array.isArray(r) &&
  r.length >= 5 &&
  Number.isInteger(r[0]) &&
  typeof r[1] === 'string' &&
  typeof r[2] === 'string' &&
  typeof r[3] === 'number' &&
  typeof r[4] === 'number'

export const FinishedPods = z.object({
  fields: z.array(z.string()),
  since: z.string(),
  parents: z.array(z.string()),
  rows: z.custom<unknown[][]>((rows) => Array.isArray(rows) && rows.every(isRow), {
    message:
      'rows must be [parent, displayName, phase, startedAt, finishedAt, …] as compact() writes them',
  }),
})
export type FinishedPods = z.output<typeof FinishedPods>

/** A node's id: the root is the workflow's name, every other node `<workflow>-<fnv32a(path)>`. */
export const nodeId = (workflow: string, name: string, hash = fnv32a(name)) =>
  name === workflow ? name : `${workflow}-${hash}`

/**
 * Splits nodes into those kept as objects and the finished Pods' table (when there are many). A
 * node read from a row of `memo`'s table and kept as it was goes back as that same row.
 */
export function compact(
  nodes: Map<string, NodeRecord>,
  since: string,
  id: (name: string) => string,
  memo: Memo = emptyMemo(),
): { nodes: Record<string, NodeRecord>; finishedPods?: FinishedPods } {
  const kept: Record<string, NodeRecord> = {}
  if (nodes.size <= COMPACT_AFTER) {
    for (const [name, n] of nodes) kept[id(name)] = n
    return { nodes: kept }
  }
  const passThrough = memo.table?.since === since
  const base = Date.parse(since)
  const offsets = new Map<string, number>()
  const offset = (time: string) => {
    let o = offsets.get(time)
    if (o === undefined) offsets.set(time, (o = (Date.parse(time) - base) / 1000))
    return o
  }
  const parents: string[] = passThrough ? [...memo.table!.parents] : []
  const parentIndex = new Map(parents.map((p, i) => [p, i]))
  const rows: unknown[][] = []
  for (const [name, n] of nodes) {
    const same = passThrough ? memo.rows.get(n) : undefined
    if (same) {
      rows.push(same)
      continue
    }
    const parent = n.name.slice(0, Math.max(0, n.name.length - n.displayName.length - 1))
    const compactable =
      n.type === 'Pod' &&
      isFulfilled(n.phase) &&
      n.startedAt &&
      n.finishedAt &&
      n.name === `${parent}.${n.displayName}` &&
      n.templateName !== undefined
    if (!compactable) {
      kept[id(name)] = n
      continue
    }
    let p = parentIndex.get(parent)
    if (p === undefined) {
      p = parents.push(parent) - 1
      parentIndex.set(parent, p)
    }
    const row: unknown[] = [
      p,
      n.displayName,
      n.phase,
      offset(n.startedAt!),
      offset(n.finishedAt!),
      n.outputs?.exitCode ?? null,
      n.templateName ?? null,
      n.message ?? null,
      outputsWithoutExitCode(n.outputs),
      n.hostNodeName ?? null,
    ]
    while (row.length > 5 && row.at(-1) === null) row.pop()
    rows.push(row)
  }
  return { nodes: kept, finishedPods: { fields: [...FINISHED_PODS_FIELDS], since, parents, rows } }
}

/** The nodes Metacontroller sent back (objects and table rows), by name, with the ids of the objects. */
export interface Memo {
  nodes: Map<string, NodeRecord>
  ids: Map<string, string>
  /** The table the rows came from, and the row each of its nodes was read from. */
  table?: FinishedPods
  rows: Map<NodeRecord, unknown[]>
}

export const emptyMemo = (): Memo => ({ nodes: new Map(), ids: new Map(), rows: new Map() })

/**
 * The nodes again, by name. An object kept under an id that is not its name's is not ours (an
 * edited status) and is not read, as no lookup by the name's id would find it.
 */
export function expand(
  workflow: string,
  nodes: Record<string, NodeRecord>,
  table: FinishedPods | undefined,
): Memo {
  const memo = emptyMemo()
  for (const id in nodes) {
    const node = nodes[id]!
    if (typeof node?.name !== 'string' || nodeId(workflow, node.name) !== id) continue
    memo.nodes.set(node.name, node)
    memo.ids.set(node.name, id)
  }
  if (!table) return memo
  memo.table = table
  const base = Date.parse(table.since)
  const times = new Map<number, string>()
  const at = (offset: number) => {
    let t = times.get(offset)
    if (t === undefined) times.set(offset, (t = iso(base + offset * 1000)))
    return t
  }
  for (const row of table.rows) {
    const [
      p,
      displayName,
      phase,
      started,
      finished,
      exitCode,
      templateName,
      message,
      outputs,
      hostNodeName,
    ] = row as [
      number,
      string,
      Phase,
      number,
      number,
      number | null,
      string | null,
      string | null,
      Record<string, unknown> | null,
      string | null,
    ]
    const parent = table.parents[p]
    // Our own memory, altered: refused (422) rather than read as other nodes.
    if (parent === undefined)
      throw new HookError(
        422,
        `parent status does not hold what workflow records: finishedPods row ${displayName} names parent ${p} of ${table.parents.length}`,
      )
    const name = `${parent}.${displayName}`
    const node: NodeRecord = {
      name,
      displayName,
      type: 'Pod',
      phase,
      startedAt: at(started),
      finishedAt: at(finished),
    }
    if ((exitCode ?? null) !== null || outputs)
      node.outputs = {
        ...(outputs as NodeRecord['outputs']),
        ...(exitCode !== null && exitCode !== undefined && { exitCode }),
      }
    if (message) node.message = message
    if (hostNodeName) node.hostNodeName = hostNodeName
    // Its id and Pod name follow from its name: worked out when needed.
    if (templateName) node.templateName = templateName
    memo.nodes.set(name, node)
    // Written as compact() writes rows: it can go back as it came (see compact).
    if (row.length <= FINISHED_PODS_FIELDS.length && (row.length === 5 || row.at(-1) !== null))
      memo.rows.set(node, row)
  }
  return memo
}

function outputsWithoutExitCode(outputs: NodeRecord['outputs']): Record<string, unknown> | null {
  if (!outputs) return null
  const { exitCode: _exitCode, ...rest } = outputs
  return Object.keys(rest).length > 0 ? rest : null
}
