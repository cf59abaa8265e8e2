import { defineCompositeController } from 'metahooks'
import { GRANTABLE_CLUSTER_ROLES, ObservedUser, UserGroupsSpec } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'usergroups',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'UserGroups',
    plural: 'usergroups',
    singular: 'usergroup',
    scope: 'Cluster',
    labels: { kiamol: 'ch20' },
    spec: UserGroupsSpec,
    printerColumns: [
      { name: 'Users', type: 'integer', jsonPath: '.status.users' },
      { name: 'Role', type: 'string', jsonPath: '.spec.clusterRole' },
    ],
  },
  children: [
    { apiVersion: 'v1', kind: 'Namespace', updateStrategy: 'InPlace' },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      updateStrategy: 'InPlace',
      binds: { clusterRoles: GRANTABLE_CLUSTER_ROLES },
    },
  ],
  generateSelector: true,
  // A User the hook cannot read refuses the call (400) rather than be skipped: skipping a group's
  // only member would drop its Namespace, and Metacontroller would delete it with everything in it.
  related: [
    {
      apiVersion: 'ch20.kiamol.net/v1',
      resource: 'users',
      kind: 'User',
      scope: 'Cluster',
      observed: ObservedUser,
    },
  ],
  customize,
  sync,
})
