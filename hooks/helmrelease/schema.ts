import * as z from 'zod'
import { dnsLabel, image } from 'metahooks'

export const DEFAULT_HELM_IMAGE = 'alpine/helm:3.15.4'
/** Helm's own rule for release names. */
export const RELEASE_NAME = dnsLabel(53)

/** HelmRelease (helm.metahooks.dev/v1): a Helm chart installed, upgraded and removed by Jobs. */
export const HelmReleaseSpec = z.object({
  releaseName: RELEASE_NAME.optional().describe(
    'Helm release name (default: the HelmRelease name).',
  ),
  chart: z.object({
    repository: z.string().regex(/^(https?|oci):\/\/\S+$/, {
      message: 'must be an http(s) or oci:// chart repository URL',
    }),
    name: z.string().regex(/^[a-z0-9][-a-z0-9_.]*$/, { message: 'must be a chart name' }),
    version: z.string().regex(/^\S+$/, { message: 'must be a chart version' }),
  }),
  values: z.record(z.string(), z.unknown()).default({}).describe('Chart values.'),
  helmImage: image().default(DEFAULT_HELM_IMAGE),
})
export type HelmReleaseSpec = z.output<typeof HelmReleaseSpec>

/** The ClusterRole helm's ServiceAccount is bound to in the release's namespace (Metacontroller may bind only this one). */
export const HELM_CLUSTER_ROLE = 'admin'
