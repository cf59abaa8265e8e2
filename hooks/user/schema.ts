import * as z from 'zod'
import { apiServerFormat, dnsLabel } from 'metahooks'

/** The namespace every user of a group gets their identity in. */
export const NAMESPACE_PREFIX = 'kiamol-ch20-authn-'

/** User (ch20.kiamol.net/v1, cluster-scoped): an identity as a ServiceAccount and its token. */
export const UserSpec = z.object({
  // Checked by the API server (format: email), not here: zod's email rule differs from its.
  email: apiServerFormat('email').min(1).describe('Contact address.'),
  // The group names a namespace, kiamol-ch20-authn-<group>, which must stay within 63 characters.
  group: dnsLabel(63 - NAMESPACE_PREFIX.length).describe(
    'Group; the user lives in namespace kiamol-ch20-authn-<group>.',
  ),
})
export type UserSpec = z.output<typeof UserSpec>

export const groupNamespace = (group: string) => `${NAMESPACE_PREFIX}${group}`
