import type { z } from 'zod'
import type { HookVersion, KObject, Scope } from './contract/objects.ts'
import type { RelatedResourceRule } from './contract/responses.ts'
import { defaultScope, pluralize, scopeOfResource } from './k8s/resources.ts'
import { isValidName, PATH_SEGMENT } from './k8s/names.ts'
import { parseBounded } from './issues.ts'

import type {
  ChildResource,
  CommonDefinition,
  CompositeControllerInput,
  CompositeDefinition,
  ControllerDefinition,
  CustomizeContext,
  DecoratorControllerInput,
  DecoratorDefinition,
  MaybePromise,
  ResolvedChildResource,
  ResolvedRelatedType,
  RelatedType,
} from './definition-types.ts'

export type * from './definition-types.ts'

const BINDING_KINDS = new Set([
  'RoleBinding.rbac.authorization.k8s.io/v1',
  'ClusterRoleBinding.rbac.authorization.k8s.io/v1',
])

/** Whether a child type is a role binding (which Metacontroller can create only for roles it may bind). */
export const isBindingType = (c: { apiVersion: string; kind: string }) =>
  BINDING_KINDS.has(`${c.kind}.${c.apiVersion}`)

const ROUTE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

function resolveChild(c: ChildResource): ResolvedChildResource {
  const strategy =
    typeof c.updateStrategy === 'string' ? { method: c.updateStrategy } : (c.updateStrategy ?? {})
  return {
    apiVersion: c.apiVersion,
    kind: c.kind,
    resource: c.resource ?? pluralize(c.kind),
    scope: c.scope ?? defaultScope(c.kind),
    updateStrategy: strategy,
    ...(c.observed && { observed: c.observed }),
    ...(c.binds && { binds: c.binds }),
  }
}

/** Why a child type's `binds` is wrong, or undefined. */
function bindsProblem(c: ResolvedChildResource): string | undefined {
  const key = `${c.kind}.${c.apiVersion}`
  if (!isBindingType(c))
    return c.binds
      ? `binds is for RoleBinding and ClusterRoleBinding children, not ${key}`
      : undefined
  const names = [...(c.binds?.clusterRoles ?? []), ...(c.binds?.roles ?? [])]
  if (names.length === 0) {
    return `child type ${key} must declare binds (the roles its roleRef may name): the API server lets Metacontroller create a binding only for a role it may bind, and the generated RBAC grants exactly those`
  }
  if (c.kind === 'ClusterRoleBinding' && c.binds?.roles?.length)
    return `a ClusterRoleBinding can only bind ClusterRoles, so binds.roles must be empty`
  const bad = names.find((n) => !isValidName(PATH_SEGMENT, n) || n === '*')
  if (bad !== undefined) return `binds names ${JSON.stringify(bad)}, which is not a role name`
  return undefined
}

type CustomizeFn = (ctx: CustomizeContext<unknown>) => MaybePromise<RelatedResourceRule[]>

const isNamespaces = (r: RelatedType) => r.apiVersion === 'v1' && r.resource === 'namespaces'

/** The parent's own Namespace, related so finalize can tell when it is being deleted. */
export function ownNamespaceRule(parent: KObject): RelatedResourceRule | undefined {
  const namespace = parent.metadata.namespace
  return namespace ? { apiVersion: 'v1', resource: 'namespaces', names: [namespace] } : undefined
}

function withOwnNamespace(customize: CustomizeFn | undefined): CustomizeFn {
  return async (ctx) => {
    const rules = customize ? await customize(ctx) : []
    const own = ownNamespaceRule(ctx.parent)
    return own ? [...rules, own] : rules
  }
}

function resolveRelated(r: RelatedType): ResolvedRelatedType {
  return { ...r, scope: r.scope ?? (r.kind ? defaultScope(r.kind) : scopeOfResource(r.resource)) }
}

/**
 * What Metacontroller itself would refuse or silently get wrong about a definition of this shape
 * (../contract §6 and its best-practices table), as one sentence, or undefined. Refusing here
 * turns a controller that would sit in SyncErrors in a cluster into an error when it is defined.
 */
function contractProblem(d: {
  hookVersion: HookVersion
  namespaced: boolean
  finalize: boolean
  related: ResolvedRelatedType[]
  children: ResolvedChildResource[]
}): string | undefined {
  const clusterChild = d.children.find((c) => c.scope === 'Cluster')
  if (d.namespaced && clusterChild) {
    return `${clusterChild.kind} is cluster-scoped and cannot be the child of a namespaced object: its ownerReference would point at a namespaced owner, which the garbage collector refuses, so it would never be cleaned up`
  }
  const selectedCluster = d.related.find((r) => r.namespaceSelector && r.scope === 'Cluster')
  if (selectedCluster)
    return `related ${selectedCluster.resource} is cluster-scoped, and Metacontroller refuses a namespaceSelector for a cluster-scoped resource`
  if (d.hookVersion !== 'v1' || !d.namespaced) return undefined
  if (d.finalize) {
    return 'a namespaced controller with a finalize hook needs hookVersion v2: under v1 Metacontroller drops cluster-scoped related objects, so finalize could not see its namespace being deleted and would wait forever for objects the API server refuses to create there'
  }
  const selected = d.related.find((r) => r.namespaceSelector)
  if (selected)
    return `related ${selected.resource} is selected by namespaceSelector, which Metacontroller refuses under hookVersion v1 for a namespaced parent ("namespaceSelector is not supported for namespaced parent in v1 hook version"); use v2`
  const cluster = d.related.find((r) => r.scope === 'Cluster')
  if (cluster)
    return `related ${cluster.resource} is cluster-scoped, and under hookVersion v1 Metacontroller drops cluster-scoped related objects for a namespaced parent; use v2`
  return undefined
}

/** What both controller types share: a valid route name, defaults, unique child types, the hooks. */
function common<
  I extends CommonDefinition & { sync: unknown; finalize?: unknown; customize?: unknown },
>(input: I, children: readonly ChildResource[], namespaced: boolean) {
  if (!ROUTE_NAME.test(input.name)) {
    throw new Error(
      `controller name "${input.name}" must be a lowercase DNS label (it is a URL path segment)`,
    )
  }
  const resolved = children.map(resolveChild)
  const seen = new Set<string>()
  for (const c of resolved) {
    const key = `${c.kind}.${c.apiVersion}`
    if (seen.has(key))
      throw new Error(`controller ${input.name}: child type ${key} is declared twice`)
    seen.add(key)
    const binds = bindsProblem(c)
    if (binds) throw new Error(`controller ${input.name}: ${binds}`)
  }
  for (const r of input.related ?? []) {
    if (r.observed && !r.kind)
      throw new Error(
        `controller ${input.name}: related ${r.resource} declares observed fields, so it needs its kind`,
      )
  }
  const hookVersion = input.hookVersion ?? ('v2' as HookVersion)
  const watchNamespace = input.finalize !== undefined && namespaced
  const related = (input.related ?? []).map(resolveRelated)
  const refused = contractProblem({
    hookVersion,
    namespaced,
    finalize: input.finalize !== undefined,
    related,
    children: resolved,
  })
  if (refused) throw new Error(`controller ${input.name}: ${refused}`)
  const customize = watchNamespace
    ? withOwnNamespace(input.customize as CustomizeFn | undefined)
    : input.customize
  const hooks = {
    name: input.name,
    hookVersion,
    watchesOwnNamespace: watchNamespace,
    related:
      watchNamespace && !related.some(isNamespaces)
        ? [
            ...related,
            {
              apiVersion: 'v1',
              resource: 'namespaces',
              kind: 'Namespace',
              scope: 'Cluster' as Scope,
            },
          ]
        : related,
    clock: input.clock === true ? 'minute' : (input.clock ?? false),
    ...(input.resyncPeriodSeconds !== undefined && {
      resyncPeriodSeconds: input.resyncPeriodSeconds,
    }),
    ...(input.customResources && { customResources: input.customResources }),
    sync: input.sync as I['sync'],
    ...(input.finalize !== undefined && { finalize: input.finalize as NonNullable<I['finalize']> }),
    ...(customize !== undefined && { customize: customize as NonNullable<I['customize']> }),
  }
  return { resolved, hooks }
}

export function defineCompositeController<Spec extends z.ZodType>(
  input: CompositeControllerInput<Spec>,
): CompositeDefinition<Spec> {
  const { resolved, hooks } = common(input, input.children, input.parent.scope === 'Namespaced')
  const p = input.parent
  return {
    type: 'composite',
    ...hooks,
    parent: {
      ...p,
      apiVersion: `${p.group}/${p.version}`,
      singular: p.singular ?? p.kind.toLowerCase(),
    },
    children: resolved,
    generateSelector: input.generateSelector ?? false,
    parseSpec: (object) => parseBounded(p.spec, (object as { spec?: unknown }).spec ?? {}),
  }
}

export function defineDecoratorController<Spec extends z.ZodType>(
  input: DecoratorControllerInput<Spec>,
): DecoratorDefinition<Spec> {
  const { resolved, hooks } = common(
    input,
    input.attachments,
    input.resources.some((r) => (r.scope ?? defaultScope(r.kind)) === 'Namespaced'),
  )
  const schema = input.objectSchema
  return {
    type: 'decorator',
    ...hooks,
    resources: input.resources.map((r) => ({
      ...r,
      resource: r.resource ?? pluralize(r.kind),
      scope: r.scope ?? defaultScope(r.kind),
    })),
    attachments: resolved,
    parseSpec: (object) =>
      (schema
        ? parseBounded(schema, object)
        : ((object as { spec?: unknown }).spec ?? {})) as z.output<Spec>,
  }
}
