import * as z from 'zod'

/** NatsCluster (nats.metahooks.dev/v1): a NATS cluster of `size` members, like the NATS operator's. */
export const NatsClusterSpec = z.object({
  size: z.number().int().min(1).max(15).describe('Number of cluster members.'),
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, { message: 'must be a NATS version such as 1.3.0 or 2.10.18' })
    .describe('NATS server version.'),
  serverImage: z
    .string()
    .regex(/^[^\s:]+$/, { message: 'must be an image name without a tag (the tag is the version)' })
    .default('nats')
    .describe('Server image (the tag is spec.version).'),
})
export type NatsClusterSpec = z.output<typeof NatsClusterSpec>

/** What sync reads from the observed StatefulSet. */
export const ObservedStatefulSet = z.looseObject({
  spec: z
    .looseObject({
      template: z
        .looseObject({
          metadata: z
            .looseObject({ labels: z.record(z.string(), z.string()).optional() })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  status: z
    .looseObject({
      readyReplicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      observedGeneration: z.number().optional(),
      currentRevision: z.string().optional(),
      updateRevision: z.string().optional(),
    })
    .optional(),
})
