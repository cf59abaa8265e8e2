// The toolkit's public surface (`import … from 'metahooks'`): what a controller author imports.
// The catalogue's controllers use nothing else (test/style.test.ts checks), so the surface is real.

// Defining a controller
export { defineCompositeController, defineDecoratorController } from './define.ts'
export type {
  ChildResource,
  CompositeControllerInput,
  CompositeDefinition,
  CompositeFinalizeResult,
  CompositeSyncResult,
  ControllerDefinition,
  CustomizeContext,
  DecoratorControllerInput,
  DecoratorDefinition,
  DecoratorFinalizeResult,
  DecoratorSyncResult,
  FinalizeContext,
  HookContext,
  HookName,
  Parent,
  ParentResource,
  PrinterColumn,
  RelatedType,
  Status,
} from './define.ts'
export { HookError, invalidSpec } from './errors.ts'

// The wire contract's objects
export { ObservedObjects, groupKey, entryKey } from './contract/objectmap.ts'
export type { KObject, ObjectMap, LabelSelector, HookVersion, Scope } from './contract/objects.ts'
export { RelatedResourceRule } from './contract/responses.ts'

// Validating input: bounded zod parsing, short messages
export { safeParseBounded, formatIssues, quote, clip } from './issues.ts'
export { findBadValue } from './check.ts'

// Kubernetes helpers
export {
  childName,
  fitName,
  labelValueOf,
  nameRule,
  isValidName,
  isValidLabelValue,
  isValidLabelKey,
  explainNameRule,
  type NameRule,
} from './k8s/names.ts'
export {
  apiServerFormat,
  containerResources,
  dnsLabel,
  dnsSubdomain,
  image,
  labelKey,
  labels,
  labelSelector,
  labelValue,
  positiveQuantity,
  quantity,
  resourceName,
} from './k8s/schemas.ts'
export {
  refusingObject,
  passthrough,
  passthroughList,
  intOrString,
  numberOrString,
} from './k8s/open-schemas.ts'
export { condition, findCondition, type Condition } from './k8s/conditions.ts'
export { matchesSelector, parseSelector, isEmptySelector } from './k8s/selectors.ts'
export { splitCommand } from './k8s/command.ts'
export { ObservedWorkload, deploymentReady, ObservedJob, jobOutcome } from './k8s/workloads.ts'
export { ObservedSecret, secretData, toBase64, fromBase64 } from './k8s/encoding.ts'
export { canonicalJson, fnv32a, sha256Hex } from './k8s/hash.ts'

// Serving: one hook call without a transport, and the hono app (metahooks/node and
// metahooks/worker run it; createApp is for embedding it in another server)
export { runHook, type HookOutcome } from './run.ts'
export { createApp, type AppOptions } from './http/app.ts'
