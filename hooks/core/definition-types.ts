// The types of a controller definition: what an author writes (…Input, resources, hook
// contexts and results) and what the toolkit resolves it to (…Definition). define.ts builds them.
import type { z } from 'zod'
import type { HookVersion, KObject, LabelSelector, Scope } from './contract/objects.ts'
import type { ObservedObjects } from './contract/objectmap.ts'
import type { ChildUpdateStrategy, UpdateMethod } from './contract/controllers.ts'
import type { RelatedResourceRule } from './contract/responses.ts'

export type MaybePromise<T> = T | Promise<T>

export interface PrinterColumn {
  name: string
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  jsonPath: string
  description?: string
  format?: string
  priority?: number
}

/** The custom resource a controller reconciles; the CRD is derived from it. */
export interface ParentResource<Spec extends z.ZodType> {
  group: string
  version: string
  kind: string
  plural: string
  singular?: string
  scope: Scope
  shortNames?: string[]
  categories?: string[]
  /** Labels on the generated CRD (e.g. `kiamol: ch20`, so `kubectl get crd -l kiamol=ch20` finds it). */
  labels?: Record<string, string>
  /** Parsed before any hook runs; an invalid spec is answered 422 and the function is not called. */
  spec: Spec
  /**
   * The fields of its own status the controller reads back (its memory between calls). Checked
   * before the function runs: a status that does not hold what the controller recorded is refused
   * (422) rather than read as garbage. The CRD keeps status open either way.
   */
  observedStatus?: z.ZodType
  printerColumns?: PrinterColumn[]
}

/**
 * A custom resource a controller defines but does not reconcile — something its parents refer to,
 * like an Argo WorkflowTemplate: its CRD is generated with the controller's (no status subresource).
 */
export type CustomResource = Omit<ParentResource<z.ZodType>, 'observedStatus'>

/** Where a DecoratorController attaches: any existing resource type, selected by labels/annotations. */
export interface DecoratedResource {
  apiVersion: string
  kind: string
  resource?: string
  scope?: Scope
  labelSelector?: LabelSelector
  /** Like a label selector, over annotations (`matchAnnotations` instead of `matchLabels`). */
  annotationSelector?: {
    matchAnnotations?: Record<string, string>
    matchExpressions?: LabelSelector['matchExpressions']
  }
}

export interface ChildResource {
  apiVersion: string
  kind: string
  /** Plural resource name; derived from kind when omitted. */
  resource?: string
  /** Derived from a table of built-in cluster-scoped kinds when omitted. */
  scope?: Scope
  /** Metacontroller's default is OnDelete: changes to existing children are ignored. */
  updateStrategy?: UpdateMethod | ChildUpdateStrategy
  /**
   * The fields the controller reads from observed objects of this type. Each observed object is
   * checked before the hook runs; one that fails is a malformed request (400), not a crash.
   */
  observed?: z.ZodType
  /**
   * For RoleBinding and ClusterRoleBinding children (and only those, which must declare it): the
   * roles their roleRef may name. The API server lets Metacontroller create a binding only for a
   * role it may `bind`, so the generated RBAC grants exactly these, and the response check
   * refuses a binding to any other role. A spec field that picks the role should be an enum of
   * the same names, so the CRD, the hook and the RBAC agree.
   */
  binds?: RoleNames
}

/** Role names by kind; ClusterRoleBindings can name ClusterRoles only. */
export interface RoleNames {
  clusterRoles?: readonly string[]
  roles?: readonly string[]
}

export interface ResolvedChildResource {
  apiVersion: string
  kind: string
  resource: string
  scope: Scope
  updateStrategy: ChildUpdateStrategy
  observed?: z.ZodType
  binds?: RoleNames
}

/** A parent object as received, with its spec replaced by the parsed, defaulted spec. */
export type Parent<Spec> = KObject & { spec: Spec; status?: Record<string, unknown> }

export interface HookContext<Spec> {
  parent: Parent<Spec>
  /** Composite: the parsed parent spec. Decorator: the target object parsed with `objectSchema`. */
  spec: Spec
  children: ObservedObjects
  related: ObservedObjects
  /** The CompositeController / DecoratorController object as Metacontroller sent it. */
  controller: Record<string, unknown>
  finalizing: boolean
  /**
   * The time of the request, truncated to the minute — only for controllers that declare
   * `clock: true`. The response is then a pure function of (request, minute), and the ETag covers
   * the minute too. Without `clock`, hooks have no time at all.
   */
  now?: Date
}

/**
 * What finalize gets. The same as sync, except that the spec (a decorator's: the parsed object) may
 * no longer parse — a CRD tightened since the parent was made, or a decorator's opt-in annotation
 * removed, which is what made Metacontroller call finalize. Cleanup must not hang on it: clean up
 * from what can be trusted (the parent's identity, the observed children, the last status), or
 * call `requireSpec()` where there is truly no way without it.
 */
export interface FinalizeContext<Spec> extends Omit<HookContext<Spec>, 'spec' | 'parent'> {
  parent: Parent<Spec | undefined>
  /** The parsed spec, or undefined when it does not parse (then `specProblem` says why). */
  spec: Spec | undefined
  specProblem?: string
  /** The spec; without one, a 422 that says why and names the finalizer to remove to delete without cleanup. */
  requireSpec(): Spec
  /**
   * The parent's namespace is being deleted: the API server refuses new objects in it, so finish with
   * what exists, or only delete. (Seen through the parent's Namespace, which the toolkit relates for
   * every namespaced controller with a finalize hook; always false for cluster-scoped parents.)
   */
  namespaceTerminating: boolean
}

export interface CustomizeContext<Spec> {
  parent: Parent<Spec>
  spec: Spec
  controller: Record<string, unknown>
}

export type Status = Record<string, unknown>

export interface CompositeSyncResult {
  children: readonly KObject[]
  status: Status
  resyncAfterSeconds?: number
}

export interface CompositeFinalizeResult extends CompositeSyncResult {
  finalized: boolean
}

export interface DecoratorSyncResult {
  attachments: readonly KObject[]
  labels?: Record<string, string | null>
  annotations?: Record<string, string | null>
  /** Omit (or null) to leave the object's status unchanged. */
  status?: Status | null
  resyncAfterSeconds?: number
}

export interface DecoratorFinalizeResult extends DecoratorSyncResult {
  finalized: boolean
}

/** A type the customize hook may relate (declared so RBAC can be generated and rules checked). */
export interface RelatedType {
  apiVersion: string
  resource: string
  /** The kind, for types the test kit cannot know by their plural (custom resources); required with `observed`. */
  kind?: string
  /**
   * The fields the controller reads from related objects of this type, checked as it reads them
   * (like a child type's `observed`): a malformed one refuses the request (400) instead of being
   * copied into a response.
   */
  observed?: z.ZodType
  /** Default: from the kind for built-in kinds, else namespaced. Declare it for cluster-scoped CRDs. */
  scope?: Scope
  /**
   * customize selects objects of this type with a `namespaceSelector`. Declared so the definition
   * can be refused where Metacontroller refuses the rule (a cluster-scoped type; hook version v1
   * with a namespaced parent), and checked: a rule with a namespaceSelector for a type that does
   * not declare it fails the response check.
   */
  namespaceSelector?: boolean
}

/** A related type with its scope settled. */
export type ResolvedRelatedType = RelatedType & { scope: Scope }

export interface CommonDefinition {
  /** Route name: `POST /<name>/sync`. Lowercase DNS label. */
  name: string
  hookVersion?: HookVersion
  resyncPeriodSeconds?: number
  /** Every type customize may return a rule for; a rule for another type fails the response check. */
  related?: RelatedType[]
  /** Custom resources this controller defines for its parents to refer to (CRDs generated with its own). */
  customResources?: CustomResource[]
  /**
   * The hook reads the time (`ctx.now`), truncated to the minute (`true` / `'minute'`) or the
   * second (`'second'`, for second-scale timers such as retry backoff).
   */
  clock?: boolean | 'minute' | 'second'
}

export interface CompositeControllerInput<Spec extends z.ZodType> extends CommonDefinition {
  parent: ParentResource<Spec>
  children: ChildResource[]
  /** Let Metacontroller select children by a `controller-uid` label instead of `spec.selector`. */
  generateSelector?: boolean
  sync(ctx: HookContext<z.output<Spec>>): MaybePromise<CompositeSyncResult>
  finalize?(ctx: FinalizeContext<z.output<Spec>>): MaybePromise<CompositeFinalizeResult>
  customize?(ctx: CustomizeContext<z.output<Spec>>): MaybePromise<RelatedResourceRule[]>
}

export interface DecoratorControllerInput<Spec extends z.ZodType> extends CommonDefinition {
  resources: DecoratedResource[]
  /**
   * The parts of the target object the decorator reads (often annotations), parsed before any hook
   * runs; an invalid object is answered 422. Without it, hooks receive the object's spec as is.
   */
  objectSchema?: Spec
  attachments: ChildResource[]
  sync(ctx: HookContext<z.output<Spec>>): MaybePromise<DecoratorSyncResult>
  finalize?(ctx: FinalizeContext<z.output<Spec>>): MaybePromise<DecoratorFinalizeResult>
  customize?(ctx: CustomizeContext<z.output<Spec>>): MaybePromise<RelatedResourceRule[]>
}

export type HookName = 'sync' | 'finalize' | 'customize'

/** What the rest of the toolkit sees of a composite controller. */
export interface CompositeDefinition<Spec extends z.ZodType = z.ZodType> {
  type: 'composite'
  name: string
  hookVersion: HookVersion
  /** Customize relates the parent's own Namespace (namespaced, with a finalize hook): see FinalizeContext.namespaceTerminating. */
  watchesOwnNamespace: boolean
  related: ResolvedRelatedType[]
  customResources?: CustomResource[]
  clock: false | 'minute' | 'second'
  resyncPeriodSeconds?: number
  parent: ParentResource<Spec> & { apiVersion: string; singular: string }
  children: ResolvedChildResource[]
  generateSelector: boolean
  /** Parses the parent's spec (throws a ZodError on invalid input). */
  parseSpec(object: KObject): z.output<Spec>
  sync: CompositeControllerInput<Spec>['sync']
  finalize?: CompositeControllerInput<Spec>['finalize']
  customize?: CompositeControllerInput<Spec>['customize']
}

export interface DecoratorDefinition<Spec extends z.ZodType = z.ZodType> {
  type: 'decorator'
  name: string
  hookVersion: HookVersion
  watchesOwnNamespace: boolean
  related: ResolvedRelatedType[]
  customResources?: CustomResource[]
  clock: false | 'minute' | 'second'
  resyncPeriodSeconds?: number
  resources: (DecoratedResource & { resource: string; scope: Scope })[]
  attachments: ResolvedChildResource[]
  parseSpec(object: KObject): z.output<Spec>
  sync: DecoratorControllerInput<Spec>['sync']
  finalize?: DecoratorControllerInput<Spec>['finalize']
  customize?: DecoratorControllerInput<Spec>['customize']
}

export type ControllerDefinition = CompositeDefinition | DecoratorDefinition
