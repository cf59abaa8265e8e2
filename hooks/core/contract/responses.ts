import * as z from 'zod'
import { LabelSelector } from './objects.ts'

/**
 * Responses are strict: only the documented keys, exact casing. Metacontroller decodes them
 * case-sensitively and, for v2 hooks, rejects unknown keys; in loose mode a mis-cased `Children`
 * would silently mean "no children" and delete everything.
 */
const Status = z.record(z.string(), z.unknown())
const Resync = z.number().finite().nonnegative()

/** A desired child: any JSON object; the response check enforces the rules on its fields. */
const Child = z.record(z.string(), z.unknown())

export const CompositeHookResponse = z.strictObject({
  status: Status.nullable().optional(),
  children: z.array(Child).optional(),
  resyncAfterSeconds: Resync.optional(),
  finalized: z.boolean().optional(),
})
export type CompositeHookResponse = z.infer<typeof CompositeHookResponse>

const StringMapPatch = z.record(z.string(), z.string().nullable())

export const DecoratorHookResponse = z.strictObject({
  labels: StringMapPatch.optional(),
  annotations: StringMapPatch.optional(),
  status: Status.nullable().optional(),
  attachments: z.array(Child).optional(),
  resyncAfterSeconds: Resync.optional(),
  finalized: z.boolean().optional(),
})
export type DecoratorHookResponse = z.infer<typeof DecoratorHookResponse>

export const RelatedResourceRule = z
  .strictObject({
    apiVersion: z.string().min(1),
    resource: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/, { message: 'expected a lowercase plural resource name' }),
    labelSelector: LabelSelector.optional(),
    namespaceSelector: LabelSelector.optional(),
    namespace: z.string().min(1).optional(),
    names: z.array(z.string().min(1)).optional(),
  })
  .refine((r) => !(r.names && (r.labelSelector || r.namespaceSelector)), {
    message: 'names cannot be combined with labelSelector or namespaceSelector',
  })
  .refine((r) => !(r.namespace && r.namespaceSelector), {
    message: 'namespace cannot be combined with namespaceSelector',
  })
export type RelatedResourceRule = z.infer<typeof RelatedResourceRule>

export const CustomizeHookResponse = z.strictObject({
  relatedResources: z.array(RelatedResourceRule).optional(),
})
export type CustomizeHookResponse = z.infer<typeof CustomizeHookResponse>
