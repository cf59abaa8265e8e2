import type { RoleBinding } from 'kubernetes-types/rbac/v1'
import type { Namespace } from 'kubernetes-types/core/v1'
import {
  HookError,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type RelatedResourceRule,
} from 'metahooks'
import { groupNamespace } from '../user/schema.ts'
import { SINGLETON, type ObservedUser, type UserGroupsSpec } from './schema.ts'

export function customize(): RelatedResourceRule[] {
  return [{ apiVersion: 'ch20.kiamol.net/v1', resource: 'users', labelSelector: {} }]
}

function desiredNamespace(group: string): Namespace & KObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: groupNamespace(group),
      labels: { kiamol: 'ch20', 'ch20.kiamol.net/group': group },
    },
  }
}

function desiredRoleBinding(group: string, clusterRole: string): RoleBinding & KObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {
      name: `group-${clusterRole}`,
      namespace: groupNamespace(group),
      labels: { kiamol: 'ch20' },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [
      {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Group',
        name: `system:serviceaccounts:${groupNamespace(group)}`,
      },
    ],
  }
}

/**
 * Exactly one Namespace per group that has at least one User — so deleting a group's last user
 * removes its namespace, as in the notes — and optionally a RoleBinding in each. A User whose spec
 * does not parse refuses the call (the toolkit checks every related User against ObservedUser).
 */
export function sync({ parent, spec, related }: HookContext<UserGroupsSpec>): CompositeSyncResult {
  if (parent.metadata.name !== SINGLETON)
    throw new HookError(
      422,
      `UserGroups is a singleton: name it ${SINGLETON}, not ${parent.metadata.name}`,
    )
  const members = new Map<string, string[]>()
  for (const user of related.list<KObject & ObservedUser>('User')) {
    members.set(user.spec.group, [...(members.get(user.spec.group) ?? []), user.metadata.name])
  }
  const groups = [...members.keys()].sort()
  return {
    children: groups.flatMap((g) => [
      desiredNamespace(g),
      ...(spec.clusterRole ? [desiredRoleBinding(g, spec.clusterRole)] : []),
    ]),
    status: {
      groups: groups.map((g) => ({
        name: g,
        namespace: groupNamespace(g),
        users: members.get(g)!.length,
      })),
      users: groups.reduce((n, g) => n + members.get(g)!.length, 0),
    },
  }
}
