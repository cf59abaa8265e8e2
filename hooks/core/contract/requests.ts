import * as z from 'zod'
import { KObject, ObjectMap } from './objects.ts'

/**
 * Requests exactly as Metacontroller sends them (same field names for hook versions v1 and v2;
 * only entry keys differ). Unknown top-level keys are tolerated so a newer Metacontroller that
 * adds a field does not break us; every documented key is required because Metacontroller always
 * sends all of them.
 */
const ControllerObject = z.looseObject({ metadata: z.looseObject({ name: z.string() }).optional() })

export const CompositeHookRequest = z.looseObject({
  controller: ControllerObject,
  parent: KObject,
  children: ObjectMap,
  related: ObjectMap,
  finalizing: z.boolean(),
})
export type CompositeHookRequest = z.infer<typeof CompositeHookRequest>

export const DecoratorHookRequest = z.looseObject({
  controller: ControllerObject,
  object: KObject,
  attachments: ObjectMap,
  related: ObjectMap,
  finalizing: z.boolean(),
})
export type DecoratorHookRequest = z.infer<typeof DecoratorHookRequest>

/** The customize request carries `parent` for CompositeControllers and DecoratorControllers alike. */
export const CustomizeHookRequest = z.looseObject({
  controller: ControllerObject,
  parent: KObject,
})
export type CustomizeHookRequest = z.infer<typeof CustomizeHookRequest>
