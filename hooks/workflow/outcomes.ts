import type { Pod } from 'kubernetes-types/core/v1'
import type { KObject } from 'metahooks'
import type { PodOutcome } from 'metahooks/testing'
import { emulate } from './executor-message.ts'
import { NODE_NAME_ANNOTATION } from './pods.ts'

// How simulated steps end, for the simulator's kubelet: the tests' tables and the UI's controls.

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
