import * as z from 'zod'
import { labelKey } from 'metahooks'

export const LABEL_ANNOTATION = 'service-per-pod-label'
export const PORTS_ANNOTATION = 'service-per-pod-ports'

const port = z.coerce.number().int().min(1).max(65535)

/**
 * What the decorator reads from a StatefulSet: the label key its Pods carry their own name under,
 * the ports (`80` or `80:8080`, comma-separated), and the replica count.
 */
export const ServicePerPodObject = z.looseObject({
  metadata: z.looseObject({
    annotations: z.looseObject({
      [LABEL_ANNOTATION]: labelKey(),
      [PORTS_ANNOTATION]: z
        .string()
        .regex(/^\s*\d+(:\d+)?(\s*,\s*\d+(:\d+)?)*\s*$/, {
          message: 'must be ports like "80" or "80:8080,443:8443"',
        })
        .transform((text) =>
          text.split(',').map((p) => {
            const [service, target] = p.trim().split(':')
            return { port: port.parse(service), targetPort: port.parse(target ?? service) }
          }),
        ),
    }),
  }),
  spec: z.looseObject({ replicas: z.number().int().min(0).default(1) }),
})
export type ServicePerPodObject = z.output<typeof ServicePerPodObject>
