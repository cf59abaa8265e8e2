import type { KObject, LabelSelector } from './contract/objects.ts'
import { LabelSelector as LabelSelectorSchema } from './contract/objects.ts'
import {
  CompositeHookResponse,
  CustomizeHookResponse,
  DecoratorHookResponse,
} from './contract/responses.ts'
import { isCompositeHookResponse, isDecoratorHookResponse } from './contract/guards.ts'
import type { ControllerDefinition, HookName, ResolvedChildResource } from './define.ts'
import { isEmptySelector, matchesSelector } from './k8s/selectors.ts'
import {
  explainNameRule,
  isValidLabelKey,
  isValidLabelValue,
  isValidName,
  nameRule,
} from './k8s/names.ts'
import { clip, formatIssues, quote, safeParseBounded } from './issues.ts'

/**
 * The response check: every rule a response must pass before it is sent. Metacontroller validates
 * almost nothing and acts on whatever it gets (a child with a wrong apiVersion makes it delete the
 * real one), so a violation is a server error that names the child and the rule, never a 200.
 */

const OBSERVED_ONLY_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const

const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration'

export interface CheckInput {
  definition: ControllerDefinition
  hook: HookName
  /** The parent (composite) or target object (decorator) from the request. */
  parent: KObject
  response: unknown
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function childLabel(child: Record<string, unknown>, index: number): string {
  const meta = isPlainObject(child.metadata) ? child.metadata : {}
  const kind = typeof child.kind === 'string' && child.kind ? clip(child.kind, 63) : '?'
  const name = typeof meta.name === 'string' && meta.name ? clip(meta.name) : `#${index}`
  return typeof meta.namespace === 'string' && meta.namespace
    ? `${kind} ${clip(meta.namespace, 63)}/${name}`
    : `${kind} ${name}`
}

/**
 * Values JSON cannot carry faithfully, and nulls (which mean "delete this field" to an apply): the
 * first one found, named by its path, or undefined. A controller that copies user input into a
 * child checks it with this first, so the user gets a 422 rather than the response check's 500.
 */
export function findBadValue(value: unknown, path: string): string | undefined {
  if (value === null) return `${path} is null`
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`
    case 'object':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const bad =
            value[i] === undefined
              ? `${path}[${i}] is undefined`
              : findBadValue(value[i], `${path}[${i}]`)
          if (bad) return bad
        }
        return undefined
      }
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue
        const bad = findBadValue(v, `${path}.${k}`)
        if (bad) return bad
      }
      return undefined
    default:
      return `${path} is a ${typeof value}, not JSON`
  }
}

/** Labels or annotations: string values under valid keys; label values valid too (the API server checks all of it). */
function checkStringMap(
  value: unknown,
  what: 'metadata.labels' | 'metadata.annotations',
): string | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) return `${what} must be an object of strings`
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `${what}.${clip(k, 63)} must be a string`
    if (!isValidLabelKey(k))
      return `${what} key ${quote(k, 80)} is not a valid key (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_", ".")`
    if (what === 'metadata.labels' && !isValidLabelValue(v)) {
      return `metadata.labels.${clip(k, 63)} value ${quote(v, 80)} is not a valid label value (at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit)`
    }
  }
  return undefined
}

function checkChildren(
  children: readonly unknown[],
  declared: readonly ResolvedChildResource[],
  parent: KObject,
  selector: LabelSelector | undefined,
  what: 'child' | 'attachment',
): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  const parentNs = parent.metadata.namespace ?? ''
  children.forEach((raw, i) => {
    if (!isPlainObject(raw)) {
      problems.push(`${what} #${i} is ${raw === null ? 'null' : 'not an object'}`)
      return
    }
    const fail = (rule: string) => problems.push(`${what} ${childLabel(raw, i)}: ${rule}`)
    if (typeof raw.kind !== 'string' || raw.kind === '') return fail('kind is missing')
    const ofKind = declared.filter((d) => d.kind === raw.kind)
    if (ofKind.length === 0)
      return fail(`kind ${clip(raw.kind, 63)} is not a declared ${what} type`)
    const type = ofKind.find((d) => d.apiVersion === raw.apiVersion)
    if (!type) {
      return fail(
        `apiVersion ${clip(JSON.stringify(raw.apiVersion ?? null))} is not the declared ${ofKind.map((d) => d.apiVersion).join(' or ')}`,
      )
    }
    if (!isPlainObject(raw.metadata)) return fail('metadata is missing')
    const meta = raw.metadata
    if (typeof meta.name !== 'string' || meta.name === '')
      return fail('metadata.name is missing (generateName is not supported by Metacontroller)')
    const rule = nameRule(type.apiVersion, type.kind)
    if (!isValidName(rule, meta.name))
      return fail(`metadata.name is not a valid ${type.kind} name (${explainNameRule(rule)})`)
    if (
      meta.namespace !== undefined &&
      (typeof meta.namespace !== 'string' || meta.namespace === '')
    ) {
      return fail('metadata.namespace must be a non-empty string when set')
    }
    const ns = (meta.namespace as string | undefined) ?? ''
    if (type.scope === 'Cluster') {
      if (parentNs !== '')
        return fail(`a cluster-scoped ${what} cannot belong to a namespaced parent`)
      if (ns !== '')
        return fail(`${type.kind} is cluster-scoped and must not have metadata.namespace`)
    } else if (parentNs === '') {
      if (ns === '') return fail('metadata.namespace is required under a cluster-scoped parent')
    } else if (ns !== '' && ns !== parentNs) {
      return fail(`namespace ${clip(ns, 63)} differs from the parent's namespace ${parentNs}`)
    }
    for (const field of OBSERVED_ONLY_METADATA) {
      if (meta[field] !== undefined)
        return fail(`metadata.${field} is set by the API server and must not be returned`)
    }
    if ('status' in raw)
      return fail('status cannot be set on a child (Metacontroller never applies it)')
    const badLabels =
      checkStringMap(meta.labels, 'metadata.labels') ??
      checkStringMap(meta.annotations, 'metadata.annotations')
    if (badLabels) return fail(badLabels)
    if (isPlainObject(meta.annotations) && LAST_APPLIED in meta.annotations) {
      return fail(
        `annotation ${LAST_APPLIED} belongs to Metacontroller (was an observed object copied back?)`,
      )
    }
    if (
      Array.isArray(meta.ownerReferences) &&
      meta.ownerReferences.some((r) => isPlainObject(r) && r.controller === true)
    ) {
      return fail('a controller ownerReference conflicts with the one Metacontroller adds')
    }
    const bad = findBadValue(raw, '')
    if (bad) return fail(bad.slice(1))
    if (
      selector &&
      !matchesSelector(selector, (meta.labels as Record<string, string> | undefined) ?? {})
    ) {
      return fail("labels do not match the parent's spec.selector")
    }
    if (type.binds) {
      const ref = isPlainObject(raw.roleRef) ? raw.roleRef : {}
      const allowed =
        ref.kind === 'ClusterRole'
          ? type.binds.clusterRoles
          : ref.kind === 'Role'
            ? type.binds.roles
            : undefined
      if (
        ref.apiGroup !== 'rbac.authorization.k8s.io' ||
        typeof ref.name !== 'string' ||
        !allowed?.includes(ref.name)
      ) {
        return fail(
          `roleRef ${clip(JSON.stringify(raw.roleRef ?? null))} is not among the roles the child type declares in binds, so Metacontroller's RBAC could not create it`,
        )
      }
    }
    const key = `${type.kind}.${type.apiVersion} ${ns === '' ? parentNs : ns}/${meta.name}`
    if (seen.has(key)) return fail('duplicate (same type, namespace and name)')
    seen.add(key)
  })
  return problems
}

function parentSelector(
  definition: ControllerDefinition,
  parent: KObject,
): LabelSelector | string | undefined {
  if (definition.type !== 'composite' || definition.generateSelector) return undefined
  const raw = (parent as { spec?: { selector?: unknown } }).spec?.selector
  const parsed = LabelSelectorSchema.safeParse(raw)
  if (!parsed.success || isEmptySelector(parsed.data)) {
    return 'the parent has no usable spec.selector and generateSelector is off, so Metacontroller cannot claim children'
  }
  return parsed.data
}

/** Returns every rule the response breaks; empty when it may be sent. */
export function checkResponse({ definition, hook, parent, response }: CheckInput): string[] {
  if (hook === 'customize') {
    const parsed = safeParseBounded(CustomizeHookResponse, response)
    if (!parsed.success) return formatIssues(parsed.error)
    const problems: string[] = []
    const v1Namespaced = definition.hookVersion === 'v1' && (parent.metadata.namespace ?? '') !== ''
    parsed.data.relatedResources?.forEach((r, i) => {
      const type = definition.related.find(
        (t) => t.apiVersion === r.apiVersion && t.resource === r.resource,
      )
      if (!type) {
        problems.push(
          `relatedResources[${i}]: ${r.resource} (${r.apiVersion}) is not among the controller's declared related types`,
        )
        return
      }
      if (r.namespaceSelector && !type.namespaceSelector) {
        problems.push(
          `relatedResources[${i}]: a namespaceSelector for ${r.resource}, whose related type does not declare namespaceSelector: true`,
        )
      }
      if (v1Namespaced && r.namespaceSelector)
        problems.push(
          `relatedResources[${i}]: namespaceSelector needs hook version v2 for a namespaced parent`,
        )
      if (
        v1Namespaced &&
        type.scope === 'Namespaced' &&
        r.namespace &&
        r.namespace !== parent.metadata.namespace
      ) {
        problems.push(
          `relatedResources[${i}]: namespace ${r.namespace} is not the parent's, which Metacontroller refuses under hook version v1 for a namespaced parent`,
        )
      }
    })
    return problems
  }

  const [guard, schema] =
    definition.type === 'composite'
      ? [isCompositeHookResponse, CompositeHookResponse]
      : [isDecoratorHookResponse, DecoratorHookResponse]
  let body = response as Record<string, unknown>
  if (!guard(response)) {
    const parsed = safeParseBounded(schema, response)
    if (!parsed.success) return formatIssues(parsed.error)
    body = parsed.data as Record<string, unknown>
  }
  const problems: string[] = []
  if (hook === 'sync' && body.finalized === true)
    problems.push('the sync hook must not return finalized: true')
  if (definition.type === 'composite' && (body.status === undefined || body.status === null)) {
    problems.push(
      "status is required: a CompositeController's status is replaced by what the hook returns",
    )
  }
  const selector = parentSelector(definition, parent)
  if (typeof selector === 'string') return [...problems, selector]
  const declared = definition.type === 'composite' ? definition.children : definition.attachments
  const list = (definition.type === 'composite' ? body.children : body.attachments) as
    | unknown[]
    | undefined
  problems.push(
    ...checkChildren(
      list ?? [],
      declared,
      parent,
      selector,
      definition.type === 'composite' ? 'child' : 'attachment',
    ),
  )
  return problems
}
