import * as z from 'zod'
import { parseSelector } from 'metahooks'

export const ENABLED_ANNOTATION = 'guardrails.metahooks.dev/enabled'
export const MIN_AVAILABLE_ANNOTATION = 'guardrails.metahooks.dev/min-available'
export const ALLOW_FROM_ANNOTATION = 'guardrails.metahooks.dev/allow-from-namespaces'
export const ATTACHED_ANNOTATION = 'guardrails.metahooks.dev/attached'
export const PROTECTED_LABEL = 'guardrails.metahooks.dev/protected'

const Requirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
})

/** The opted-in Deployment: its selector, and the optional knobs in annotations. */
export const GuardedDeployment = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    annotations: z.looseObject({
      [MIN_AVAILABLE_ANNOTATION]: z
        .string()
        .regex(/^(\d+|\d{1,2}%|100%)$/, { message: 'must be a number or a percentage' })
        .optional(),
      [ALLOW_FROM_ANNOTATION]: z
        .string()
        .optional()
        .superRefine((text, ctx) => {
          if (text === undefined) return
          try {
            parseSelector(text)
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message })
          }
        }),
    }),
  }),
  spec: z.looseObject({
    selector: z.object({
      matchLabels: z.record(z.string(), z.string()).optional(),
      matchExpressions: z.array(Requirement).optional(),
    }),
  }),
})
export type GuardedDeployment = z.output<typeof GuardedDeployment>
