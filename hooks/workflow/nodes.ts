import type { Location } from './artifact-schema.ts'
import type { LifecycleHook, Step, Task, Template } from './schema.ts'

/** Workflow nodes as `status.nodes` holds them, and the pure helpers every template kind shares. */

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted'
export type NodeType =
  | 'Pod'
  | 'Steps'
  | 'StepGroup'
  | 'DAG'
  | 'TaskGroup'
  | 'Retry'
  | 'Skipped'
  | 'Suspend'

/** One node in `status.nodes`, keyed by id. Only what a reader or a later sync needs. */
export interface NodeRecord {
  name: string
  displayName: string
  type: NodeType
  phase: Phase
  startedAt?: string
  finishedAt?: string
  children?: string[]
  outputs?: {
    result?: string
    parameters?: Record<string, string>
    artifacts?: Record<string, Location>
    exitCode?: number
  }
  message?: string
  /** Pod nodes: the template that ran and its Pod (Argo's fields, for `{{workflow.failures}}` and readers). */
  templateName?: string
  podName?: string
  /** Pod nodes: the machine it ran on (Argo's hostNodeName). */
  hostNodeName?: string
  /** Daemon Pod nodes (Argo's field): Running and Ready, so what comes after it may start. */
  daemoned?: boolean
  /** Daemon Pod nodes: the Pod's IP (`{{steps.X.ip}}`). */
  podIP?: string
  /** A node waiting for a lock its template names (template-level synchronization): the lock. */
  waitingForLock?: string
  /** The input parameters the node started with: later syncs use these, never a re-read (a ConfigMap may have changed or gone). */
  inputs?: { parameters: Record<string, string>; artifacts?: Record<string, Location> }
}

const FULFILLED = new Set<Phase>(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted'])
export const isFulfilled = (p: Phase) => FULFILLED.has(p)
export const isFailure = (p: Phase) => p === 'Failed' || p === 'Error'
/** Whether a workflow's phase (as its status says, so any text) is final: Succeeded, Failed or Error. */
export const isWorkflowDone = (phase: unknown) =>
  phase === 'Succeeded' || phase === 'Failed' || phase === 'Error'
/** Whether its steps or DAG may move on past a node: it finished, or it is a daemon that is up. */
export const letsScopeOn = (n: NodeRecord) => isFulfilled(n.phase) || n.daemoned === true

/** Variables in scope for substitution: `inputs.parameters.x`, `steps.a.outputs.result`, … */
export type Scope = Record<string, string>

/** A duration as Argo writes one: `30s`, `5m`, `1h30m`, `500ms`, or whole seconds. */
export const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$|^\d+$/
export const DURATION_HINT = 'must be a duration such as 30s, 5m or 1h30m (or whole seconds)'

export function durationSeconds(text: string | undefined): number {
  if (text === undefined) return 0
  if (/^\d+$/.test(text)) return Number(text)
  let total = 0
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[unit as 'ms']!
  return total
}

/** The earliest of some wake-ups (seconds), or undefined when none is asked for. */
export const earliest = (...seconds: (number | undefined)[]): number | undefined =>
  seconds.filter((s) => s !== undefined).sort((a, b) => a - b)[0]

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

export function continues(call: Step | Task, phase: Phase): boolean {
  return (
    (phase === 'Failed' && call.continueOn?.failed === true) ||
    (phase === 'Error' && call.continueOn?.error === true)
  )
}

/** The latest time among nodes (RFC 3339 times in UTC compare as text). */
export function latest(nodes: NodeRecord[]): string {
  let max = ''
  for (const n of nodes) {
    const t = n.finishedAt ?? n.startedAt ?? ''
    if (t > max) max = t
  }
  return max
}

/** A loop's outputs: `result` and each parameter as a JSON array over the iterations. */
export function aggregate(children: NodeRecord[]): NodeRecord['outputs'] {
  const results = children.map((c) => c.outputs?.result ?? '')
  const names = [...new Set(children.flatMap((c) => Object.keys(c.outputs?.parameters ?? {})))]
  return {
    result: JSON.stringify(
      results.map((r) => {
        try {
          return JSON.parse(r) as unknown
        } catch {
          return r
        }
      }),
    ),
    ...(names.length > 0 && {
      parameters: Object.fromEntries(
        names.map((n) => [
          n,
          JSON.stringify(children.map((c) => c.outputs?.parameters?.[n] ?? '')),
        ]),
      ),
    }),
  }
}

/** The exit handler of a step, task or workflow: `onExit`, or the lifecycle hook named `exit` (which may pass arguments). */
export function exitHandlerOf(of: {
  onExit?: string | undefined
  hooks?: Record<string, LifecycleHook> | undefined
}): { template: string; arguments?: LifecycleHook['arguments'] } | undefined {
  if (of.onExit !== undefined) return { template: of.onExit }
  const hook = of.hooks?.exit
  return hook?.template === undefined
    ? undefined
    : { template: hook.template, ...(hook.arguments && { arguments: hook.arguments }) }
}

/** Every step and task a template calls (a template has steps or a DAG, not both; validation says so when it has). */
export function callsOf(t: Template): (Step | Task)[] {
  const steps = t.steps?.flat()
  if (!t.dag) return steps ?? []
  return steps ? steps.concat(t.dag.tasks) : t.dag.tasks
}
