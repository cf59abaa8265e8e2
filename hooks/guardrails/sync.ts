import type { NetworkPolicy, NetworkPolicyPeer } from 'kubernetes-types/networking/v1'
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1'
import {
  childName,
  parseSelector,
  type DecoratorFinalizeResult,
  type DecoratorSyncResult,
  type FinalizeContext,
  type HookContext,
  type KObject,
} from 'metahooks'
import {
  ALLOW_FROM_ANNOTATION,
  ATTACHED_ANNOTATION,
  MIN_AVAILABLE_ANNOTATION,
  PROTECTED_LABEL,
  type GuardedDeployment,
} from './schema.ts'

/**
 * A PodDisruptionBudget (min-available, default 1) and a NetworkPolicy admitting ingress only from
 * the Deployment's own namespace (plus namespaces the allow-from selector picks); what was attached
 * is recorded on the Deployment itself.
 */
export function sync({ spec }: HookContext<GuardedDeployment>): DecoratorSyncResult {
  const name = childName(
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
    spec.metadata.name,
    'guardrails',
  )
  const minAvailable = spec.metadata.annotations[MIN_AVAILABLE_ANNOTATION] ?? '1'
  const selector = spec.spec.selector
  const pdb: PodDisruptionBudget & KObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name },
    spec: { minAvailable: /%$/.test(minAvailable) ? minAvailable : Number(minAvailable), selector },
  }
  const from: NetworkPolicyPeer[] = [{ podSelector: {} }]
  const allow = spec.metadata.annotations[ALLOW_FROM_ANNOTATION]
  if (allow !== undefined) from.push({ namespaceSelector: parseSelector(allow) })
  const policy: NetworkPolicy & KObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name },
    spec: { podSelector: selector, policyTypes: ['Ingress'], ingress: [{ from }] },
  }
  return {
    attachments: [pdb, policy],
    labels: { [PROTECTED_LABEL]: 'true' },
    annotations: { [ATTACHED_ANNOTATION]: `PodDisruptionBudget/${name},NetworkPolicy/${name}` },
  }
}

/** Opted out (or deleted): remove what was attached and the records of it (null deletes). Needs nothing of the object's annotations, which may be gone. */
export function finalize({
  children,
}: FinalizeContext<GuardedDeployment>): DecoratorFinalizeResult {
  return {
    attachments: [],
    labels: { [PROTECTED_LABEL]: null },
    annotations: { [ATTACHED_ANNOTATION]: null },
    finalized: children.size === 0,
  }
}
