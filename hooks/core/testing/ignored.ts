import type { KObject, LabelSelector, ObjectMap } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { matchesSelector } from '../k8s/selectors.ts'
import { controllerRef, DECORATOR_ANNOTATION, isDeleting, parentSelector } from './ownership.ts'

/** An input object Metacontroller would not send to the hook, and why. */
export interface Ignored {
  /** `Kind namespace/name` (or `Kind name`). */
  object: string
  reason: string
}

const describe = (o: KObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
const key = (o: KObject) =>
  `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`

function selectorText(s: LabelSelector): string {
  const labels = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  const expressions = (s.matchExpressions ?? []).map(
    (e) => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(',')})` : ''}`,
  )
  return [...labels, ...expressions].join(', ')
}

/**
 * Every object among `objects` that `request` does not carry (as a child, attachment or related
 * object), with the reason Metacontroller would leave it out — so a CLI can say what it ignored
 * instead of quietly rendering a world without it.
 */
export function ignoredInputs(
  definition: ControllerDefinition,
  parent: KObject,
  objects: readonly KObject[],
  request: unknown,
): Ignored[] {
  const body = request as { children?: ObjectMap; attachments?: ObjectMap; related?: ObjectMap }
  const sent = new Set<string>()
  for (const map of [body.children, body.attachments, body.related])
    for (const group of Object.values(map ?? {}))
      for (const o of Object.values(group)) sent.add(key(o))
  return objects
    .filter((o) => !sent.has(key(o)) && key(o) !== key(parent))
    .map((o) => ({ object: describe(o), reason: whyIgnored(definition, parent, o) }))
}

function whyIgnored(definition: ControllerDefinition, parent: KObject, o: KObject): string {
  const ofParent = `${parent.kind} ${parent.metadata.name}`
  const declared = definition.type === 'composite' ? definition.children : definition.attachments
  const word = definition.type === 'composite' ? 'child' : 'attachment'
  if (declared.some((d) => d.kind === o.kind && d.apiVersion === o.apiVersion)) {
    const parentNs = parent.metadata.namespace ?? ''
    if (parentNs !== '' && (o.metadata.namespace ?? '') !== parentNs)
      return `in namespace ${o.metadata.namespace ?? '(none)'}, but the ${word}ren of ${ofParent} live in ${parentNs}`
    const ref = controllerRef(o)
    if (ref && ref.uid !== parent.metadata.uid)
      return `controlled by ${ref.kind} ${ref.name}, not by ${ofParent}`
    if (definition.type === 'decorator')
      return `lacks the annotation ${DECORATOR_ANNOTATION}: ${definition.name} that marks ${definition.name}'s attachments`
    const selector = parentSelector(definition, parent)
    if (!selector)
      return `${ofParent} has no usable spec.selector, so Metacontroller claims no children`
    if (!matchesSelector(selector, o.metadata.labels ?? {})) {
      return `its labels do not match the selector ${selectorText(selector)}${ref ? ', so Metacontroller releases it' : ', so Metacontroller does not adopt it'}`
    }
    if (isDeleting(parent))
      return `${ofParent} is being deleted, so Metacontroller adopts no orphans`
    if (isDeleting(o))
      return 'it is being deleted and has no owner, so Metacontroller does not adopt it'
  }
  const related = definition.related.find(
    (r) => r.apiVersion === o.apiVersion && (r.kind ? r.kind === o.kind : true),
  )
  if (related) {
    const v1Namespaced = definition.hookVersion === 'v1' && (parent.metadata.namespace ?? '') !== ''
    if (v1Namespaced && (o.metadata.namespace ?? '') !== parent.metadata.namespace)
      return `a v1 hook of a namespaced parent sees related objects of its own namespace only`
    return `matches none of the rules customize returned for ${ofParent}`
  }
  return `${o.kind} (${o.apiVersion}) is neither a ${word} type nor a related type of ${definition.name}`
}
