import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1'
import type { CompositeSyncResult, HookContext, Parent } from '../core/define.ts'
import type { KObject } from '../core/contract/objects.ts'
import { condition } from '../core/k8s/conditions.ts'
import { childName } from '../core/k8s/names.ts'
import { groupNamespace, type UserSpec } from './schema.ts'

type P = Parent<UserSpec>

export function desiredServiceAccount(parent: P, spec: UserSpec): ServiceAccount & KObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: parent.metadata.name, namespace: groupNamespace(spec.group), labels: { kiamol: 'ch20' } },
    automountServiceAccountToken: false,
  }
}

/** A long-lived token Secret; Kubernetes fills in `data.token` for the ServiceAccount it names. */
export function desiredTokenSecret(parent: P, spec: UserSpec): Secret & KObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: {
      name: childName({ apiVersion: 'v1', kind: 'Secret' }, parent.metadata.name, 'token'),
      namespace: groupNamespace(spec.group),
      labels: { kiamol: 'ch20' },
      annotations: { 'kubernetes.io/service-account.name': parent.metadata.name },
    },
  }
}

/**
 * The user's ServiceAccount and token Secret in its group's namespace (which UserGroups keeps).
 * A group change moves both: the new ones are created, the old ones deleted by Metacontroller.
 */
export function sync({ parent, spec, children }: HookContext<UserSpec>): CompositeSyncResult {
  const secret = desiredTokenSecret(parent, spec)
  const observed = children.get<KObject & { data?: Record<string, string> }>('Secret', secret.metadata!.name!, groupNamespace(spec.group))
  const ready = observed?.data?.token !== undefined
  return {
    children: [desiredServiceAccount(parent, spec), secret],
    status: {
      namespace: groupNamespace(spec.group),
      serviceAccount: parent.metadata.name,
      tokenSecret: secret.metadata!.name,
      conditions: [ready ? condition('Ready', true, 'TokenIssued', 'the token Secret holds a token') : condition('Ready', false, 'WaitingForToken', 'waiting for Kubernetes to fill in the token Secret')],
    },
  }
}
