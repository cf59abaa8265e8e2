import type { KObject, LabelSelector } from '../contract/objects.ts'
import type { CompositeDefinition, DecoratorDefinition } from '../define.ts'
import { matchesSelector } from '../k8s/selectors.ts'

/** The label Metacontroller puts on children under `generateSelector: true`. */
export const CONTROLLER_UID_LABEL = 'controller-uid'
/** The annotation Metacontroller puts on a DecoratorController's attachments. */
export const DECORATOR_ANNOTATION = 'metacontroller.k8s.io/decorator-controller'
export const LAST_APPLIED_ANNOTATION = 'metacontroller.k8s.io/last-applied-configuration'

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export function ownerReferences(object: KObject): OwnerReference[] {
  const refs = (object.metadata as { ownerReferences?: unknown }).ownerReferences
  return Array.isArray(refs) ? (refs as OwnerReference[]) : []
}

export function controllerRef(object: KObject): OwnerReference | undefined {
  return ownerReferences(object).find((r) => r.controller === true)
}

/** The controller ownerReference Metacontroller adds to everything it creates. */
export function controllerRefTo(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  }
}

function inScope(object: KObject, parent: KObject): boolean {
  const parentNs = parent.metadata.namespace ?? ''
  return parentNs === '' || (object.metadata.namespace ?? '') === parentNs
}

/** Whether the API server has marked the object for deletion. */
export function isDeleting(object: KObject): boolean {
  return (object.metadata as { deletionTimestamp?: unknown }).deletionTimestamp !== undefined
}

/** The selector Metacontroller claims a composite parent's children with (undefined: none usable). */
export function parentSelector(
  definition: CompositeDefinition,
  parent: KObject,
): LabelSelector | undefined {
  if (definition.generateSelector)
    return { matchLabels: { [CONTROLLER_UID_LABEL]: parent.metadata.uid ?? '' } }
  const selector = (parent as { spec?: { selector?: LabelSelector } }).spec?.selector
  const empty =
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 &&
      (selector.matchExpressions ?? []).length === 0)
  return empty ? undefined : selector
}

export interface Claim {
  /** Children the request carries: controlled by the parent and matching its selector. */
  claimed: KObject[]
  /** Orphans that match: Metacontroller adopts them (adds its controller reference) first. */
  adopt: KObject[]
  /** Controlled by the parent but no longer matching: Metacontroller removes its reference. */
  release: KObject[]
}

/** Metacontroller's child claiming for a CompositeController (contract §5). */
export function claimChildren(
  definition: CompositeDefinition,
  parent: KObject,
  objects: readonly KObject[],
): Claim {
  const selector = parentSelector(definition, parent)
  const claim: Claim = { claimed: [], adopt: [], release: [] }
  const types = new Set(definition.children.map((c) => `${c.kind}.${c.apiVersion}`))
  for (const object of objects) {
    if (!types.has(`${object.kind}.${object.apiVersion}`) || !inScope(object, parent)) continue
    const ref = controllerRef(object)
    const matches =
      selector !== undefined && matchesSelector(selector, object.metadata.labels ?? {})
    if (ref) {
      if (ref.uid !== parent.metadata.uid) continue
      if (matches) claim.claimed.push(object)
      else if (!isDeleting(parent)) claim.release.push(object)
    } else if (matches && !isDeleting(parent) && !isDeleting(object)) {
      claim.adopt.push(object)
    }
  }
  return claim
}

/** A DecoratorController's attachments: controlled by the object and carrying the DC annotation. */
export function decoratorAttachments(
  definition: DecoratorDefinition,
  object: KObject,
  objects: readonly KObject[],
): KObject[] {
  const types = new Set(definition.attachments.map((c) => `${c.kind}.${c.apiVersion}`))
  return objects.filter(
    (o) =>
      types.has(`${o.kind}.${o.apiVersion}`) &&
      inScope(o, object) &&
      controllerRef(o)?.uid === object.metadata.uid &&
      o.metadata.annotations?.[DECORATOR_ANNOTATION] === definition.name,
  )
}

/**
 * Whether a DecoratorController still selects this object (kind, labelSelector, annotationSelector).
 * An object that stops matching gets the finalize hook, if there is one, and is then left alone.
 */
export function decoratorSelects(definition: DecoratorDefinition, object: KObject): boolean {
  return definition.resources.some(
    (r) =>
      r.apiVersion === object.apiVersion &&
      r.kind === object.kind &&
      (!r.labelSelector || matchesSelector(r.labelSelector, object.metadata.labels ?? {})) &&
      (!r.annotationSelector ||
        matchesSelector(
          {
            matchLabels: r.annotationSelector.matchAnnotations,
            matchExpressions: r.annotationSelector.matchExpressions,
          },
          object.metadata.annotations ?? {},
        )),
  )
}
