import { artifactVariables } from './artifacts.ts'
import { workflowParameters } from './configmaps.ts'
import type { NodeRecord, Scope } from './nodes.ts'
import type { Run } from './state.ts'
import type { Variables } from './substitute.ts'

/**
 * The `{{…}}` variables a node sees: its own scope (inputs, item, retries, earlier steps' and
 * tasks' outputs) first, then the workflow's.
 */
export function lookup(run: Run, scope: Scope): Variables {
  let all: Scope | undefined
  return {
    get: (ref) => (Object.hasOwn(scope, ref) ? scope[ref] : (all ??= workflowVariables(run))[ref]),
    env: () => ({ ...(all ??= workflowVariables(run)), ...scope }),
  }
}

/** `workflow.*`: identity, parameters, labels, annotations, times, status and failures (exit handlers), global outputs. */
function workflowVariables(run: Run): Scope {
  const w = run.input.workflow
  const vars: Scope = {
    'workflow.name': w.name,
    'workflow.namespace': w.namespace,
    'workflow.uid': w.uid ?? '',
    'workflow.mainEntrypoint': run.spec.entrypoint ?? '',
    'workflow.duration': String(Math.max(0, (run.nowMs - Date.parse(run.startedAt)) / 1000)),
    ...(run.spec.serviceAccountName && {
      'workflow.serviceAccountName': run.spec.serviceAccountName,
    }),
  }
  if (run.workflowStatus) {
    vars['workflow.status'] = run.workflowStatus
    vars['workflow.failures'] = JSON.stringify(failures(run))
  }
  const parameters = workflowParameters(run)
  for (const [k, v] of Object.entries(parameters)) vars[`workflow.parameters.${k}`] = v
  vars['workflow.parameters'] = JSON.stringify(parameters)
  for (const [k, v] of Object.entries(w.labels ?? {})) vars[`workflow.labels.${k}`] = v
  for (const [k, v] of Object.entries(w.annotations ?? {})) vars[`workflow.annotations.${k}`] = v
  for (const [k, v] of Object.entries(run.globals)) vars[`workflow.outputs.parameters.${k}`] = v
  Object.assign(vars, artifactVariables('workflow.outputs.artifacts', run.globalArtifacts))
  const created = w.creationTimestamp ?? run.startedAt
  vars['workflow.creationTimestamp'] = created
  vars['workflow.creationTimestamp.RFC3339'] = created
  for (const [c, v] of Object.entries(strftime(new Date(created))))
    vars[`workflow.creationTimestamp.${c}`] = v
  return vars
}

/** The failed Pod nodes as Argo lists them for exit handlers (`{{workflow.failures}}`). */
function failures(run: Run): Record<string, string>[] {
  return [...run.nodes.values()]
    .filter((n) => n.type === 'Pod' && (n.phase === 'Failed' || n.phase === 'Error'))
    .map((n) => ({
      displayName: n.displayName,
      message: n.message ?? '',
      templateName: n.templateName ?? '',
      phase: n.phase,
      podName: run.podNameOf(n) ?? run.id(n.name),
      finishedAt: n.finishedAt ?? '',
    }))
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** The strftime conversions Argo offers as `workflow.creationTimestamp.<c>` (UTC). */
function strftime(d: Date): Record<string, string> {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  const hour12 = d.getUTCHours() % 12 || 12
  const dayOfYear = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1
  return {
    Y: String(d.getUTCFullYear()),
    C: pad(Math.floor(d.getUTCFullYear() / 100)),
    y: pad(d.getUTCFullYear() % 100),
    m: pad(d.getUTCMonth() + 1),
    B: MONTHS[d.getUTCMonth()]!,
    b: MONTHS[d.getUTCMonth()]!.slice(0, 3),
    h: MONTHS[d.getUTCMonth()]!.slice(0, 3),
    d: pad(d.getUTCDate()),
    e: String(d.getUTCDate()).padStart(2, ' '),
    j: pad(dayOfYear, 3),
    A: DAYS[d.getUTCDay()]!,
    a: DAYS[d.getUTCDay()]!.slice(0, 3),
    u: String(d.getUTCDay() || 7),
    w: String(d.getUTCDay()),
    H: pad(d.getUTCHours()),
    I: pad(hour12),
    l: String(hour12).padStart(2, ' '),
    p: d.getUTCHours() < 12 ? 'AM' : 'PM',
    M: pad(d.getUTCMinutes()),
    S: pad(d.getUTCSeconds()),
    s: String(Math.floor(d.getTime() / 1000)),
    F: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    T: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    D: `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)}`,
    R: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
    Z: 'UTC',
    z: '+0000',
  }
}

/** After a step or task ran: `steps.X.status`, `.id`, `.startedAt`, `.finishedAt`, `.exitCode`, `.outputs.result`, `.outputs.parameters.y`. */
export function exposeOutputs(
  scope: Scope,
  kind: 'steps' | 'tasks',
  name: string,
  node: NodeRecord,
  id: string,
): void {
  scope[`${kind}.${name}.status`] = node.phase
  scope[`${kind}.${name}.id`] = id
  if (node.startedAt) scope[`${kind}.${name}.startedAt`] = node.startedAt
  if (node.finishedAt) scope[`${kind}.${name}.finishedAt`] = node.finishedAt
  // Skipped or omitted producers resolve to "" rather than failing the consumer.
  if (node.phase === 'Skipped' || node.phase === 'Omitted')
    scope[`${kind}.${name}.outputs.result`] = ''
  if (node.outputs?.exitCode !== undefined)
    scope[`${kind}.${name}.exitCode`] = String(node.outputs.exitCode)
  if (node.podIP !== undefined) scope[`${kind}.${name}.ip`] = node.podIP
  if (node.outputs?.result !== undefined)
    scope[`${kind}.${name}.outputs.result`] = node.outputs.result
  for (const [k, v] of Object.entries(node.outputs?.parameters ?? {}))
    scope[`${kind}.${name}.outputs.parameters.${k}`] = v
  if (node.outputs?.artifacts)
    Object.assign(
      scope,
      artifactVariables(`${kind}.${name}.outputs.artifacts`, node.outputs.artifacts),
    )
}

/** Steps and tasks whose outputs some expression reads (`{{steps.X.…}}`, `{{=tasks['X'].…}}`): only theirs are captured and kept. */
export function outputsRead(spec: object): Set<string> {
  return namesRead(spec, readCache, /\{\{\s*(?:steps|tasks)\.([A-Za-z0-9_-]+)\./g)
}

/**
 * Steps and tasks whose stdout (`outputs.result`) some text or expression reads: only theirs are run
 * with stdout captured. A step read only for its status or artifacts is not, so a long log never
 * overflows its termination message.
 */
export function resultsRead(spec: object): Set<string> {
  return namesRead(
    spec,
    resultCache,
    /\{\{\s*(?:steps|tasks)\.([A-Za-z0-9_-]+)\.outputs\.result\b/g,
  )
}

function namesRead(spec: object, cache: WeakMap<object, Set<string>>, plain: RegExp): Set<string> {
  const cached = cache.get(spec)
  if (cached) return cached
  const read = new Set<string>()
  forEachText(spec, (text) => {
    if (!text.includes('steps') && !text.includes('tasks')) return
    for (const m of text.matchAll(plain)) read.add(m[1]!)
    // Expressions are read whole: what they touch of a step is not worked out.
    for (const m of text.matchAll(/\b(?:steps|tasks)\[['"]([A-Za-z0-9_-]+)['"]\]/g)) read.add(m[1]!)
    for (const m of text.matchAll(/\{\{=[^}]*?\b(?:steps|tasks)\.([A-Za-z0-9_-]+)\./g))
      read.add(m[1]!)
  })
  cache.set(spec, read)
  return read
}

/** Every string in a JSON value (object keys aside). */
function forEachText(value: unknown, fn: (text: string) => void): void {
  if (typeof value === 'string') fn(value)
  else if (Array.isArray(value)) for (const v of value) forEachText(v, fn)
  else if (typeof value === 'object' && value !== null)
    for (const k in value) forEachText((value as Record<string, unknown>)[k], fn)
}

const readCache = new WeakMap<object, Set<string>>()
const resultCache = new WeakMap<object, Set<string>>()
