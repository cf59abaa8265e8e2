import * as z from 'zod'

/** Kubernetes object metadata as Metacontroller sends it: name is always set, the rest is open. */
export const ObjectMeta = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.number().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
})

/** Any Kubernetes object: apiVersion, kind, metadata.name; every other field is passed through untouched. */
export const KObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: ObjectMeta,
})
export type KObject = z.infer<typeof KObject>

/**
 * An observed object in a map: checked for apiVersion, kind, metadata.name and string-valued
 * labels and annotations without the copy a
 * full zod parse makes — requests carry thousands of these, whole, and parsing them dominated the
 * cost per child. The fields a controller reads are checked when it reads them (`observed`).
 */
export function isKObjectLike(value: unknown): value is KObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const o = value as {
    apiVersion?: unknown
    kind?: unknown
    metadata?: { name?: unknown; namespace?: unknown } | null
  }
  return (
    typeof o.apiVersion === 'string' &&
    o.apiVersion !== '' &&
    typeof o.kind === 'string' &&
    o.kind !== '' &&
    typeof o.metadata === 'object' &&
    o.metadata !== null &&
    typeof o.metadata.name === 'string' &&
    o.metadata.name !== '' &&
    (o.metadata.namespace === undefined || typeof o.metadata.namespace === 'string') &&
    isStringMapOrAbsent((o.metadata as { labels?: unknown }).labels) &&
    isStringMapOrAbsent((o.metadata as { annotations?: unknown }).annotations)
  )
}

/** Labels and annotations are string maps in every Kubernetes object; a controller copying them relies on it. */
function isStringMapOrAbsent(value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  for (const key in value)
    if (Object.hasOwn(value, key) && typeof (value as Record<string, unknown>)[key] !== 'string')
      return false
  return true
}

/**
 * Group keys are `Kind.version` for the core group and `Kind.group/version` otherwise — simply
 * `<kind>.<apiVersion>`; kinds never contain dots. Entry keys are `name` or `namespace/name`
 * depending on hook version and scopes (see objectmap.ts).
 */
const GROUP_KEY = /^[A-Za-z][A-Za-z0-9]*\.([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9a-z]+$/

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Walks `{ "<Kind.version>": { "<name or namespace/name>": object } }` in one pass without
 * copying (a zod record of objects would rebuild the whole map on every request). Without `report`
 * it stops at the first problem; with one it reports every problem.
 */
export function checkObjectMap(
  value: unknown,
  report?: (path: string[], message: string) => void,
): boolean {
  if (!isMap(value)) {
    report?.([], 'expected an object map ({ "Kind.version": { "name": object } })')
    return false
  }
  let ok = true
  for (const key of Object.keys(value)) {
    const group = value[key]
    let problem: string | undefined
    if (!GROUP_KEY.test(key))
      problem = 'expected a group key of the form Kind.version or Kind.group/version'
    else if (!isMap(group)) problem = 'expected an object of entries'
    if (problem) {
      if (!report) return false
      report([key], problem)
      ok = false
      continue
    }
    // Kinds never contain dots: the key splits into kind and apiVersion at the first one.
    const dot = key.indexOf('.')
    const kind = key.slice(0, dot)
    const apiVersion = key.slice(dot + 1)
    for (const entry of Object.keys(group as object)) {
      const message = entryProblem(
        entry,
        (group as Record<string, unknown>)[entry],
        kind,
        apiVersion,
      )
      if (message) {
        if (!report) return false
        report([key, entry], message)
        ok = false
      }
    }
  }
  return ok
}

/**
 * Metacontroller files every object under its own type, keyed by its name or namespace/name; an
 * entry that is not filed that way is not from Metacontroller. Compared without building strings:
 * this runs for every observed object of every request.
 */
function entryProblem(
  entry: string,
  object: unknown,
  kind: string,
  apiVersion: string,
): string | undefined {
  if (!isKObjectLike(object))
    return 'expected a Kubernetes object with apiVersion, kind and metadata.name'
  if (object.kind !== kind || object.apiVersion !== apiVersion)
    return 'object is not of the type its group names'
  const name = object.metadata.name
  if (name.includes('/')) return 'metadata.name must not contain "/"'
  if (entry === name) return undefined
  const ns = object.metadata.namespace ?? ''
  const qualified =
    entry.length === ns.length + 1 + name.length &&
    entry.startsWith(ns) &&
    entry.charCodeAt(ns.length) === 47 &&
    entry.endsWith(name)
  return qualified && ns !== '' ? undefined : "entry key is not the object's name or namespace/name"
}

export const ObjectMap = z
  .custom<Record<string, Record<string, KObject>>>()
  .superRefine((value, ctx) => {
    checkObjectMap(value, (path, message) => ctx.addIssue({ code: 'custom', path, message }))
  })
export type ObjectMap = Record<string, Record<string, KObject>>

export const HookVersion = z.enum(['v1', 'v2'])
export type HookVersion = z.infer<typeof HookVersion>

export const Scope = z.enum(['Namespaced', 'Cluster'])
export type Scope = z.infer<typeof Scope>

export const LabelSelectorRequirement = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
})

export const LabelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(LabelSelectorRequirement).optional(),
})
export type LabelSelector = z.infer<typeof LabelSelector>
