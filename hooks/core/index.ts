// The toolkit's public surface: what a controller author imports.
export { defineCompositeController, defineDecoratorController } from './define.ts'
export type {
  ChildResource,
  CompositeDefinition,
  CompositeFinalizeResult,
  CompositeSyncResult,
  ControllerDefinition,
  CustomizeContext,
  DecoratorDefinition,
  DecoratorFinalizeResult,
  DecoratorSyncResult,
  HookContext,
  Parent,
  ParentResource,
  PrinterColumn,
} from './define.ts'
export { HookError, invalidSpec } from './errors.ts'
export { safeParseBounded, quote } from './issues.ts'
export { findBadValue } from './check.ts'
export { childName, fitName, labelValueOf, nameRule, isValidName, isValidLabelValue, isValidLabelKey, explainNameRule, type NameRule } from './k8s/names.ts'
export { ObservedObjects, groupKey, entryKey } from './contract/objectmap.ts'
export type { KObject, ObjectMap, LabelSelector, HookVersion, Scope } from './contract/objects.ts'
export { condition, findCondition, type Condition } from './k8s/conditions.ts'
export { matchesSelector } from './k8s/selectors.ts'
export { splitCommand } from './k8s/command.ts'
export { refusingObject, passthrough, passthroughList, intOrString, numberOrString } from './k8s/open-schemas.ts'
export { runHook, type HookOutcome } from './run.ts'
export { createApp, type AppOptions } from './http/app.ts'
