import { buildObjectMap } from '../contract/objectmap.ts'
import type { HookVersion, KObject } from '../contract/objects.ts'
import type { CompositeHookRequest, DecoratorHookRequest } from '../contract/requests.ts'
import type { CompositeDefinition, DecoratorDefinition } from '../define.ts'

export interface RequestInput {
  parent: KObject
  /** Observed children / attachments; grouped and keyed the way Metacontroller does. */
  observed?: readonly KObject[]
  related?: readonly KObject[]
  /** Defaults to the definition's hook version. */
  version?: HookVersion
  finalizing?: boolean
}

function controllerObject(kind: 'CompositeController' | 'DecoratorController', name: string): Record<string, unknown> {
  return { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind, metadata: { name } }
}

/** The request Metacontroller sends a CompositeController's sync or finalize hook. */
export function compositeRequest(definition: CompositeDefinition, input: RequestInput): CompositeHookRequest {
  const version = input.version ?? definition.hookVersion
  const related = input.related ?? []
  return {
    controller: controllerObject('CompositeController', definition.name),
    parent: input.parent,
    children: buildObjectMap(input.parent, version, definition.children, input.observed ?? []),
    related: buildObjectMap(input.parent, version, [], related),
    finalizing: input.finalizing ?? false,
  }
}

/** The request Metacontroller sends a DecoratorController's sync or finalize hook. */
export function decoratorRequest(definition: DecoratorDefinition, input: RequestInput): DecoratorHookRequest {
  const version = input.version ?? definition.hookVersion
  return {
    controller: controllerObject('DecoratorController', definition.name),
    object: input.parent,
    attachments: buildObjectMap(input.parent, version, definition.attachments, input.observed ?? []),
    related: buildObjectMap(input.parent, version, [], input.related ?? []),
    finalizing: input.finalizing ?? false,
  }
}
