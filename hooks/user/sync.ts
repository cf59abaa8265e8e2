import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1'
import {
  childName,
  condition,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type Parent,
  type RelatedResourceRule,
} from 'metahooks'
import { groupNamespace, NAMESPACE_PREFIX, type UserSpec } from './schema.ts'

type P = Parent<UserSpec>

export function desiredServiceAccount(parent: P, spec: UserSpec): ServiceAccount & KObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: parent.metadata.name,
      namespace: groupNamespace(spec.group),
      labels: { kiamol: 'ch20' },
    },
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

/** The group's namespace, which UserGroups makes: the User waits for it instead of failing against it. */
export function customize({ spec }: CustomizeContext<UserSpec>): RelatedResourceRule[] {
  return [{ apiVersion: 'v1', resource: 'namespaces', names: [groupNamespace(spec.group)] }]
}

/** Seconds until a User waiting for its namespace looks again (the Namespace appearing also wakes it). */
export const WAIT_SECONDS = 5

function namespaceReady(
  namespace: (KObject & { status?: { phase?: string } }) | undefined,
): boolean {
  return (
    namespace !== undefined &&
    namespace.metadata.deletionTimestamp === undefined &&
    namespace.status?.phase !== 'Terminating'
  )
}

/**
 * The user's ServiceAccount and token Secret in its group's namespace (which UserGroups keeps).
 * A group change moves both: the new ones are created, the old ones deleted by Metacontroller.
 * Until the namespace exists nothing is asked for there (the API server would refuse it on every
 * sync); the identity in the previous group's namespace, if any, is kept meanwhile, and the status
 * says what the User waits for.
 */
export function sync({
  parent,
  spec,
  children,
  related,
}: HookContext<UserSpec>): CompositeSyncResult {
  const namespace = groupNamespace(spec.group)
  if (!namespaceReady(related.get('Namespace', namespace))) {
    const recorded =
      typeof parent.status?.namespace === 'string' ? parent.status.namespace : undefined
    const previous =
      recorded?.startsWith(NAMESPACE_PREFIX) && recorded !== namespace
        ? { ...spec, group: recorded.slice(NAMESPACE_PREFIX.length) }
        : undefined
    const kept = previous
      ? [desiredServiceAccount(parent, previous), desiredTokenSecret(parent, previous)].filter(
          (c) => children.get(c.kind, c.metadata.name, c.metadata.namespace),
        )
      : []
    return {
      children: kept,
      status: {
        ...(previous && kept.length > 0 && { namespace: recorded }),
        conditions: [
          condition(
            'Ready',
            false,
            'WaitingForNamespace',
            `namespace ${namespace} does not exist yet (UserGroups makes it for groups with users)`,
          ),
        ],
      },
      resyncAfterSeconds: WAIT_SECONDS,
    }
  }
  const secret = desiredTokenSecret(parent, spec)
  const observed = children.get<KObject & { data?: Record<string, string> }>(
    'Secret',
    secret.metadata!.name!,
    groupNamespace(spec.group),
  )
  const ready = observed?.data?.token !== undefined
  return {
    children: [desiredServiceAccount(parent, spec), secret],
    status: {
      namespace: groupNamespace(spec.group),
      serviceAccount: parent.metadata.name,
      tokenSecret: secret.metadata!.name,
      conditions: [
        ready
          ? condition('Ready', true, 'TokenIssued', 'the token Secret holds a token')
          : condition(
              'Ready',
              false,
              'WaitingForToken',
              'waiting for Kubernetes to fill in the token Secret',
            ),
      ],
    },
  }
}
