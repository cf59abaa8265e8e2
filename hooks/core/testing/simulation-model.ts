// The simulator's vocabulary (what a round did, what it returns, its options) and the edits of
// objects it makes beside applying a response (finalizers, label and annotation patches).
import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { runHook, type HookOutcome } from '../run.ts'
import { type PodOutcomeFn } from './kubelet.ts'

export type ActionType =
  | 'created'
  | 'updated'
  | 'deleted'
  | 'recreating'
  | 'adopted'
  | 'released'
  | 'status'
  | 'labels'
  | 'annotations'
  | 'finalized'
  | 'removed'
  | 'garbage-collected'
  | 'conflict'
  | 'refused'
  | 'kubelet'

export interface Action {
  type: ActionType
  /** `Kind ns/name` */
  object: string
  detail?: string
}

export interface Round {
  index: number
  /** Virtual time of the hook call. */
  time: string
  hook: 'sync' | 'finalize' | 'none'
  actions: Action[]
  error?: { status: number; message: string }
  resyncAfterSeconds?: number
}

export interface RunResult {
  rounds: Round[]
  converged: boolean
  /** Why the run stopped. */
  reason: string
}

/** Metacontroller's `--apply-strategy` values. */
export const APPLY_STRATEGIES = ['dynamic-apply', 'server-side-apply'] as const
export type ApplyStrategy = (typeof APPLY_STRATEGIES)[number]

export interface SimulationOptions {
  /** The parent (composite) or target object (decorator), as a user would apply it. */
  parent: KObject
  /** Objects that exist beforehand: related objects, orphans to adopt, namespaces… */
  objects?: readonly KObject[]
  /** `auto` (default) advances Pods, workloads and Jobs between rounds; `none` freezes the world. */
  kubelet?: 'auto' | 'none'
  /** How completed Pods end (default: from sim.metahooks.dev/* annotations, else exit 0). */
  podOutcome?: PodOutcomeFn
  startTime?: string
  /**
   * Metacontroller's `--apply-strategy`: `dynamic-apply` (its default, a client-side 3-way merge)
   * or `server-side-apply`. Both refuse an update that changes an immutable field (422, retried
   * forever); under server-side apply a Recreate dry-runs that update first, so it is refused too
   * instead of deleting and creating the child again. Field ownership is modelled by the same 3-way
   * merge: fields Metacontroller applied before and leaves out now are removed either way.
   */
  applyStrategy?: ApplyStrategy
  /** How a hook is called; default in-process (the same runHook the server uses). */
  call?: (
    definition: ControllerDefinition,
    hook: 'sync' | 'finalize',
    request: unknown,
    now: Date,
  ) => Promise<HookOutcome>
}

export const defaultCall = (
  definition: ControllerDefinition,
  hook: 'sync' | 'finalize',
  request: unknown,
  now: Date,
) => runHook(definition, hook, request, { now })

export function finalizers(o: KObject): string[] {
  const f = (o.metadata as { finalizers?: unknown }).finalizers
  return Array.isArray(f) ? (f as string[]) : []
}

export function withFinalizers(o: KObject, list: string[]): KObject {
  const { finalizers: _old, ...metadata } = o.metadata as KObject['metadata'] & {
    finalizers?: string[]
  }
  return {
    ...o,
    metadata: list.length > 0 ? { ...metadata, finalizers: list } : metadata,
  } as KObject
}

/** A label/annotation patch: strings set, nulls delete, others untouched. */
export function patchMap(
  current: Record<string, string> | undefined,
  patch: Record<string, string | null>,
): Record<string, string> {
  const out = { ...current }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = v
  }
  return out
}
