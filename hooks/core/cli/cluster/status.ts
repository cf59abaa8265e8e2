import { parseArgs } from 'node:util'
import type { KObject } from '../../contract/objects.ts'
import type { ControllerDefinition } from '../../define.ts'
import { decoratorSelects } from '../../testing/ownership.ts'
import { positiveInt, UsageError, type Command, type Project } from '../command.ts'
import { findCondition } from '../../k8s/conditions.ts'
import { CLUSTER_OPTIONS, Kube, pathOf, type TypeInfo } from './kube.ts'

type Condition = { type: string; status: string; reason?: string; message?: string }
type Observed = KObject & {
  status?: { conditions?: Condition[]; phase?: string; succeeded?: number; failed?: number }
}
type Event = KObject & {
  type?: string
  reason?: string
  message?: string
  count?: number
  lastTimestamp?: string
  eventTime?: string
  metadata: { creationTimestamp?: string }
}

/** `5s`, `3m`, `2h`, `4d`: how long ago, as kubectl prints ages. */
export function age(time: string | undefined, now = Date.now()): string {
  if (!time) return '?'
  const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86400)}d`
}

/** What an observed child's status says about it, in a few words. */
export function readiness(o: Observed): string {
  const ready =
    findCondition(o, 'Ready') ?? findCondition(o, 'Available') ?? findCondition(o, 'Complete')
  if (ready)
    return ready.status === 'True'
      ? ready.type.toLowerCase()
      : `not ${ready.type.toLowerCase()}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}`
  if (o.status?.phase) return o.status.phase
  if (o.status?.succeeded) return 'succeeded'
  if (o.status?.failed) return 'failed'
  return 'present'
}

function describeConditions(o: Observed): string {
  const status = o.status as Record<string, unknown> | undefined
  if (!status || Object.keys(status).length === 0)
    return 'no status yet (not synced by Metacontroller)'
  const parts = (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`)
  if (typeof status.phase === 'string') parts.unshift(status.phase)
  return parts.join(' ') || 'status without conditions'
}

const nameOf = (o: KObject) =>
  `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
const byName = (a: KObject, b: KObject) => (nameOf(a) < nameOf(b) ? -1 : 1)

class StatusReport {
  private readonly lists = new Map<string, Promise<KObject[]>>()
  readonly lines: string[] = []
  constructor(
    private readonly kube: Kube,
    private readonly eventCount: number,
  ) {}

  private list(path: string): Promise<KObject[]> {
    if (!this.lists.has(path)) this.lists.set(path, this.kube.list(path))
    return this.lists.get(path)!
  }

  private async owned(owner: KObject, types: readonly TypeInfo[]): Promise<Observed[]> {
    const lists = await Promise.all(
      types.map((t) => this.list(pathOf(t, owner.metadata.namespace))),
    )
    return lists
      .flat()
      .filter((o) =>
        (o.metadata.ownerReferences as { uid?: string }[] | undefined)?.some(
          (r) => r.uid === owner.metadata.uid,
        ),
      )
      .sort(byName)
  }

  /** One object with its conditions, what it owns and Metacontroller's recent warnings about it. */
  async object(o: Observed, types: readonly TypeInfo[], ownedLabel: string): Promise<void> {
    this.lines.push(`  ${nameOf(o)}  ${describeConditions(o)}`)
    for (const c of o.status?.conditions ?? [])
      if (c.status !== 'True' && (c.reason || c.message))
        this.lines.push(`    ${c.type}: ${[c.reason, c.message].filter(Boolean).join(': ')}`)
    const owned = await this.owned(o, types)
    if (owned.length === 0) this.lines.push(`    no ${ownedLabel}`)
    for (const child of owned)
      this.lines.push(`    ${child.kind} ${child.metadata.name}  ${readiness(child)}`)
    const events = (
      await this.kube.list<Event>(
        `/api/v1/namespaces/${o.metadata.namespace ?? 'default'}/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${o.metadata.uid}`)}`,
      )
    )
      .filter((e) => e.type === 'Warning')
      .sort(
        (a, b) =>
          Date.parse(b.lastTimestamp ?? b.eventTime ?? '') -
          Date.parse(a.lastTimestamp ?? a.eventTime ?? ''),
      )
      .slice(0, this.eventCount)
    for (const e of events)
      this.lines.push(
        `    ! ${age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp)} ago ${e.reason}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`,
      )
  }

  async controller(
    d: ControllerDefinition,
    namespace: string | undefined,
    only: string | undefined,
  ): Promise<void> {
    if (d.type === 'composite') {
      const parentType: TypeInfo = { ...d.parent, resource: d.parent.plural }
      const parents = (await this.kube.list<Observed>(pathOf(parentType, namespace)))
        .filter((p) => !only || p.metadata.name === only)
        .sort(byName)
      this.lines.push(
        `${d.name}: ${parents.length} ${d.parent.kind} (${d.parent.plural}.${d.parent.group})`,
      )
      for (const p of parents) await this.object(p, d.children, 'children')
      return
    }
    const targets: Observed[] = []
    for (const r of d.resources) {
      const all = await this.kube.list<Observed>(pathOf(r, namespace))
      targets.push(...all.filter((o) => decoratorSelects(d, o)))
    }
    const selected = targets.filter((t) => !only || t.metadata.name === only).sort(byName)
    this.lines.push(
      `${d.name}: ${selected.length} decorated (${d.resources.map((r) => r.kind).join(', ')})`,
    )
    for (const t of selected) await this.object(t, d.attachments, 'attachments')
  }
}

async function status(args: string[], project: Project): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...CLUSTER_OPTIONS,
      namespace: { type: 'string', short: 'n' },
      events: { type: 'string' },
    },
  })
  const [controller, name] = positionals
  if (positionals.length > 2) throw new UsageError('status takes at most a controller and a name')
  if (name && !controller) throw new UsageError('name a controller before the object')
  const definitions = controller
    ? project.controllers.filter((c) => c.name === controller)
    : project.controllers
  if (definitions.length === 0)
    throw new UsageError(
      `unknown controller "${controller}"; known: ${project.controllers.map((c) => c.name).join(', ')}`,
    )
  const kube = await Kube.connect(values)
  const lines = await statusReport(kube, definitions, {
    ...(values.namespace && { namespace: values.namespace }),
    ...(name && { name }),
    events: positiveInt(values.events, '--events') ?? 3,
  })
  console.log(lines.join('\n'))
}

/** What `metahooks status` prints, as lines (`metahooks ui` shows them as a page). */
export async function statusReport(
  kube: Kube,
  definitions: readonly ControllerDefinition[],
  { namespace, name, events = 3 }: { namespace?: string; name?: string; events?: number } = {},
): Promise<string[]> {
  const report = new StatusReport(kube, events)
  for (const d of definitions) await report.controller(d, namespace, name)
  return report.lines
}

export const statusCommand: Command = {
  name: 'status',
  needsProject: true,
  usage: `  metahooks status [CONTROLLER [NAME]] [-n NAMESPACE] [--events N] [--context NAME] [--kubeconfig FILE]
      Each controller's parents (or decorated objects) in the cluster with their conditions, the
      children they own and how ready those are, and Metacontroller's recent warnings about them
      (SyncError events: what a failing hook answered). All namespaces unless -n.`,
  run: status,
}
