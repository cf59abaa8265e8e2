import { buildObjectMap } from '../contract/objectmap.ts'
import type { HookVersion, KObject } from '../contract/objects.ts'
import type { CompositeHookRequest, DecoratorHookRequest } from '../contract/requests.ts'
import type { RelatedResourceRule } from '../contract/responses.ts'
import type {
  CompositeDefinition,
  ControllerDefinition,
  DecoratorDefinition,
  HookName,
} from '../define.ts'
import { controllerManifest } from '../manifests/controller.ts'
import { runHook } from '../run.ts'
import {
  claimChildren,
  controllerRefTo,
  decoratorAttachments,
  decoratorSelects,
  isDeleting,
  ownerReferences,
} from './ownership.ts'
import { relatedObjects } from './related.ts'

export interface RequestInput {
  parent: KObject
  /** The observed children / attachments, exactly as the request should carry them. */
  observed?: readonly KObject[]
  related?: readonly KObject[]
  /** Defaults to the definition's hook version. */
  version?: HookVersion
  finalizing?: boolean
}

/** The request for explicit children and related objects (grouped and keyed as Metacontroller does). */
export function compositeRequest(
  definition: CompositeDefinition,
  input: RequestInput,
): CompositeHookRequest {
  const version = input.version ?? definition.hookVersion
  return {
    controller: controllerManifest(definition) as Record<string, unknown>,
    parent: input.parent,
    children: buildObjectMap(input.parent, version, definition.children, input.observed ?? []),
    related: buildObjectMap(input.parent, version, [], input.related ?? []),
    finalizing: input.finalizing ?? false,
  }
}

export function decoratorRequest(
  definition: DecoratorDefinition,
  input: RequestInput,
): DecoratorHookRequest {
  const version = input.version ?? definition.hookVersion
  return {
    controller: controllerManifest(definition) as Record<string, unknown>,
    object: input.parent,
    attachments: buildObjectMap(
      input.parent,
      version,
      definition.attachments,
      input.observed ?? [],
    ),
    related: buildObjectMap(input.parent, version, [], input.related ?? []),
    finalizing: input.finalizing ?? false,
  }
}

export interface WorldInput {
  parent: KObject
  /** Every object in the (simulated) cluster; the builder picks children and related ones. */
  objects: readonly KObject[]
  /** The customize hook's rules for this parent (see `customizeRules`). */
  rules?: readonly RelatedResourceRule[]
  version?: HookVersion
  finalizing?: boolean
}

/**
 * Which hook Metacontroller calls for this parent: finalize (if defined) once it is being deleted
 * or, for a DecoratorController, once its selectors no longer pick the object.
 */
export function hookFor(
  definition: ControllerDefinition,
  parent: KObject,
): Exclude<HookName, 'customize'> {
  const deleting = isDeleting(parent)
  const unselected = definition.type === 'decorator' && !decoratorSelects(definition, parent)
  return (deleting || unselected) && definition.finalize ? 'finalize' : 'sync'
}

/**
 * The exact request Metacontroller would send about `parent` given everything in the cluster:
 * only children the parent owns (orphans matching its selector adopted, as Metacontroller does),
 * one group per declared type even when empty, and `related` from the customize rules with the
 * v1/v2 namespace rules applied.
 */
export function requestFor(
  definition: ControllerDefinition,
  input: WorldInput,
): CompositeHookRequest | DecoratorHookRequest {
  const version = input.version ?? definition.hookVersion
  const declaredKinds = definition.related.flatMap((r) => (r.kind ? [r.kind] : []))
  const extraKinds = [
    ...declaredKinds,
    ...(definition.type === 'composite'
      ? [definition.parent.kind, ...definition.children.map((c) => c.kind)]
      : definition.attachments.map((c) => c.kind)),
  ]
  const related = relatedObjects(
    input.rules ?? [],
    input.parent,
    version,
    input.objects,
    extraKinds,
  )
  const finalizing = input.finalizing ?? hookFor(definition, input.parent) === 'finalize'
  if (definition.type === 'composite') {
    const claim = claimChildren(definition, input.parent, input.objects)
    const adopted = claim.adopt.map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        ownerReferences: [...ownerReferences(o), controllerRefTo(input.parent)],
      },
    }))
    const request = compositeRequest(definition, {
      parent: input.parent,
      observed: [...claim.claimed, ...adopted],
      version,
      finalizing,
    })
    return { ...request, related }
  }
  const attachments = decoratorAttachments(definition, input.parent, input.objects)
  return {
    ...decoratorRequest(definition, {
      parent: input.parent,
      observed: attachments,
      version,
      finalizing,
    }),
    related,
  }
}

/** Calls the customize hook (in-process) and returns its rules; an error outcome throws. */
export async function customizeRules(
  definition: ControllerDefinition,
  parent: KObject,
): Promise<RelatedResourceRule[]> {
  if (!definition.customize) return []
  const outcome = await runHook(definition, 'customize', {
    controller: controllerManifest(definition),
    parent,
  })
  if (!outcome.ok) throw new Error(`customize failed (${outcome.status}): ${outcome.message}`)
  return (outcome.response.relatedResources as RelatedResourceRule[] | undefined) ?? []
}
