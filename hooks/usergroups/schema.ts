import * as z from 'zod'
import { UserSpec } from '../user/schema.ts'

/** The one UserGroups object's required name: it is a singleton. */
export const SINGLETON = 'kiamol'

/** UserGroups (ch20.kiamol.net/v1, cluster-scoped singleton): one namespace per group that has users. */
/**
 * The ClusterRoles a UserGroups may grant: the CRD's enum, the hook's check and the RBAC that lets
 * Metacontroller create the RoleBindings (`bind` on exactly these) all come from this list.
 */
export const GRANTABLE_CLUSTER_ROLES = ['view', 'edit'] as const

export const UserGroupsSpec = z.object({
  clusterRole: z
    .enum(GRANTABLE_CLUSTER_ROLES)
    .optional()
    .describe(
      `If set, a RoleBinding in each group namespace grants this ClusterRole (${GRANTABLE_CLUSTER_ROLES.join(' or ')}) to the group's service accounts.`,
    ),
})
export type UserGroupsSpec = z.output<typeof UserGroupsSpec>

/** What sync reads of a related User: its spec, as the User controller itself requires it. */
export const ObservedUser = z.looseObject({ spec: UserSpec })
export type ObservedUser = z.output<typeof ObservedUser>
