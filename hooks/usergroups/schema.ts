import * as z from 'zod'
import { dnsLabel } from '../core/k8s/schemas.ts'
import { UserSpec } from '../user/schema.ts'

/** The one UserGroups object's required name: it is a singleton. */
export const SINGLETON = 'kiamol'

/** UserGroups (ch20.kiamol.net/v1, cluster-scoped singleton): one namespace per group that has users. */
export const UserGroupsSpec = z.object({
  clusterRole: dnsLabel(253)
    .optional()
    .describe('If set, a RoleBinding in each group namespace grants this ClusterRole (e.g. view) to the group\'s service accounts.'),
})
export type UserGroupsSpec = z.output<typeof UserGroupsSpec>

/** What sync reads of a related User: its spec, as the User controller itself requires it. */
export const ObservedUser = z.looseObject({ spec: UserSpec })
export type ObservedUser = z.output<typeof ObservedUser>
