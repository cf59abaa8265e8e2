import { z } from 'zod'

/** TimeCheck (ch20.kiamol.net/v1): the notes' lab resource. */
export const TimeCheckSpec = z.object({
  environment: z.string().min(1).describe('Passed to the app as Application__Environment.'),
  interval: z.number().int().min(1).max(86_400).describe('Seconds between time checks (Timer__IntervalSeconds).'),
})
export type TimeCheckSpec = z.output<typeof TimeCheckSpec>

/** What sync reads from the observed Deployment. */
export const ObservedDeployment = z.looseObject({
  spec: z.looseObject({ replicas: z.number().optional() }).optional(),
  status: z
    .looseObject({
      replicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      observedGeneration: z.number().optional(),
    })
    .optional(),
})
