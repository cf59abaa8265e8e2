import type { Pod } from 'kubernetes-types/core/v1'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { emulate } from '../../hooks/workflow/executor-message.ts'
import type { PodOutcome } from '../../hooks/core/testing/kubelet.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { NODE_NAME_ANNOTATION } from '../../hooks/workflow/pods.ts'
import type { NodeRecord } from '../../hooks/workflow/nodes.ts'

export const START = '2026-01-01T00:00:00Z'

export function wf(spec: Record<string, unknown>, name = 'wf'): KObject {
  return {
    apiVersion: 'workflows.metahooks.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: 'default' },
    spec,
  }
}

/** How a step's main container ends: its exit code (0 when left out), what it printed, the files it wrote. */
export interface StepOutcome {
  exitCode?: number
  stdout?: string
  files?: Record<string, string>
  /** A termination message written directly (what a container not run through the executor leaves). */
  message?: string
  /** A server: Running and Ready until its Pod is deleted. */
  keepsRunning?: boolean
}

/** What the kubelet reports for a step: through the executor's protocol when the Pod is wrapped (as in a cluster). */
function toPodOutcome(pod: KObject, o: StepOutcome): PodOutcome {
  const main = (pod as unknown as Pod).spec!.containers.find((c) => c.name === 'main')!
  const exitCode = o.exitCode ?? 0
  if (o.keepsRunning) return { exitCode, keepsRunning: true }
  if (o.message !== undefined) return { exitCode, message: o.message }
  const { message } = emulate(main, {
    exitCode,
    ...(o.stdout !== undefined && { stdout: o.stdout }),
    ...(o.files && { files: o.files }),
  })
  return { exitCode, ...(message !== '' && { message }) }
}

/**
 * How each Pod ends, by the display name at the end of its node name (`flip`, `build(1)`…):
 * a fixed outcome, or a list consumed attempt by attempt. Unlisted Pods succeed.
 */
export function outcomes(table: Record<string, StepOutcome | StepOutcome[]>) {
  const used = new Map<string, number>()
  return (pod: KObject): PodOutcome => {
    const nodeName = pod.metadata.annotations?.[NODE_NAME_ANNOTATION] ?? ''
    const last = nodeName.split('.').pop() ?? ''
    const key = Object.keys(table).find((k) => k === last || k === last.replace(/\([^()]*\)$/, ''))
    if (!key) return toPodOutcome(pod, {})
    const entry = table[key]!
    if (!Array.isArray(entry)) return toPodOutcome(pod, entry)
    const n = used.get(key) ?? 0
    used.set(key, n + 1)
    return toPodOutcome(pod, entry[Math.min(n, entry.length - 1)]!)
  }
}

export function simulate(
  spec: Record<string, unknown>,
  table: Record<string, StepOutcome | StepOutcome[]> = {},
  name = 'wf',
) {
  return new Simulation(workflow, {
    parent: wf(spec, name),
    startTime: START,
    podOutcome: outcomes(table),
  })
}

export const nodes = (sim: Simulation) => (sim.status?.nodes ?? {}) as Record<string, NodeRecord>

/** Node phases by display name (the last one wins for repeated names). */
export function phases(sim: Simulation): Record<string, string> {
  return Object.fromEntries(Object.values(nodes(sim)).map((n) => [n.displayName, n.phase]))
}

export const pods = (sim: Simulation) => sim.objects().filter((o) => o.kind === 'Pod')

export const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  container: { image: 'alpine:3', command: ['sh', '-c', `echo ${name}`] },
  ...extra,
})
