import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1'
import type { CompositeSyncResult, HookContext } from '../core/define.ts'
import type { KObject } from '../core/contract/objects.ts'
import { evaluate } from './engine.ts'
import type { NodeRecord } from './nodes.ts'
import { claimName } from './pods.ts'
import type { WorkflowSpec } from './schema.ts'
import { validateWorkflow } from './validate.ts'
import { normalize } from './normalize.ts'
import { loadPodCheck } from './pod-build.ts'

/** The shared volume of a workflow: one claim per volumeClaimTemplate, named `<workflow>-<name>`. */
function claims(name: string, spec: WorkflowSpec): (PersistentVolumeClaim & KObject)[] {
  return (spec.volumeClaimTemplates ?? []).map((c) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName(name, c.metadata.name) },
    spec: c.spec as PersistentVolumeClaim['spec'],
  }))
}

/**
 * Validate (422 before any Pod exists), then evaluate the workflow against the observed Pods
 * and the status we recorded last time. Every Pod the engine still needs is in the answer —
 * including finished ones whose result the observed status does not hold yet.
 */
export async function sync({ parent, spec: written, children, now }: HookContext<WorkflowSpec>): Promise<CompositeSyncResult> {
  const spec = normalize(written)
  validateWorkflow(spec)
  const status = (parent.status ?? {}) as { nodes?: Record<string, NodeRecord>; phase?: string; startedAt?: string; finishedAt?: string }
  const out = evaluate({
    workflow: {
      name: parent.metadata.name,
      namespace: parent.metadata.namespace ?? 'default',
      ...(parent.metadata.uid && { uid: parent.metadata.uid }),
      ...(typeof parent.metadata.creationTimestamp === 'string' && { creationTimestamp: parent.metadata.creationTimestamp }),
      ...(parent.metadata.labels && { labels: parent.metadata.labels }),
      ...(parent.metadata.annotations && { annotations: parent.metadata.annotations }),
    },
    spec,
    now: now!,
    memo: status.nodes && typeof status.nodes === 'object' ? status.nodes : {},
    ...(typeof status.phase === 'string' && { observedPhase: status.phase }),
    ...(typeof status.startedAt === 'string' && { observedStartedAt: status.startedAt }),
    ...(typeof status.finishedAt === 'string' && ['Succeeded', 'Failed', 'Error'].includes(status.phase ?? '') && { observedFinishedAt: status.finishedAt }),
    pods: new Map(children.list('Pod').map((p) => [p.metadata.name, p])),
    checkPod: await loadPodCheck(),
  })
  return {
    children: [...claims(parent.metadata.name, spec), ...out.pods],
    status: out.status,
    ...(out.resyncAfterSeconds !== undefined && { resyncAfterSeconds: out.resyncAfterSeconds }),
  }
}
