import type { HookVersion, KObject, ObjectMap } from './objects.ts'

/** The request's group key for a type: `Pod.v1`, `StatefulSet.apps/v1`. */
export function groupKey(apiVersion: string, kind: string): string {
  return `${kind}.${apiVersion}`
}

/** Splits a group key back into kind and apiVersion. */
export function parseGroupKey(key: string): { kind: string; apiVersion: string } {
  const dot = key.indexOf('.')
  return { kind: key.slice(0, dot), apiVersion: key.slice(dot + 1) }
}

/**
 * The entry key Metacontroller uses for `object` in a map sent about `parent`.
 * v1 (relative): `namespace/name` only when the parent is cluster-scoped and the object is not.
 * v2 (uniform): `namespace/name` whenever the object is namespaced.
 */
export function entryKey(object: KObject, parent: KObject, version: HookVersion): string {
  const ns = object.metadata.namespace ?? ''
  const qualified =
    version === 'v2' ? ns !== '' : ns !== '' && (parent.metadata.namespace ?? '') === ''
  return qualified ? `${ns}/${object.metadata.name}` : object.metadata.name
}

function compareObjects(a: KObject, b: KObject): number {
  const an = a.metadata.namespace ?? ''
  const bn = b.metadata.namespace ?? ''
  if (an !== bn) return an < bn ? -1 : 1
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0
}

export interface TypeRef {
  kind: string
  /** Omit to match the kind in any apiVersion present in the map. */
  apiVersion?: string
}

/**
 * Read-only view over an object map that never looks at entry keys, so v1 and v2 requests read
 * the same. Lists are sorted by namespace then name, which keeps anything built from them
 * deterministic whatever order the request's JSON had.
 */
/** Checks an observed object the controller is about to read; throws to refuse the request. */
export type ObservedCheck = (object: KObject) => void

/**
 * The entry for `name` in one group, by its key: every entry is keyed `name` or `namespace/name`
 * (checked when the request was read), so only matching keys are looked at — large groups are not
 * walked object by object.
 */
function findByName(
  group: Record<string, KObject>,
  name: string,
  namespace: string | undefined,
): KObject | undefined {
  const matches = (o: KObject | undefined) =>
    o !== undefined &&
    o.metadata.name === name &&
    (namespace === undefined || (o.metadata.namespace ?? '') === namespace)
  if (namespace !== undefined) {
    const direct = group[namespace === '' ? name : `${namespace}/${name}`] ?? group[name]
    return matches(direct) ? direct : undefined
  }
  if (matches(group[name])) return group[name]
  const suffix = `/${name}`
  for (const key in group) {
    if (key.endsWith(suffix) && matches(group[key])) return group[key]
  }
  return undefined
}

export class ObservedObjects {
  readonly #map: ObjectMap
  readonly #cache = new Map<string, readonly KObject[]>()
  readonly #check: (groupKey: string) => ObservedCheck | undefined

  /** `check` returns, per group key, what every object read from that group must pass. */
  constructor(
    map: ObjectMap,
    check: (groupKey: string) => ObservedCheck | undefined = () => undefined,
  ) {
    this.#map = map
    this.#check = check
  }

  /** All objects of a type, sorted by namespace/name. */
  list<T extends KObject = KObject>(type: TypeRef | string): readonly T[] {
    const ref = typeof type === 'string' ? { kind: type } : type
    const cacheKey = `${ref.kind}.${ref.apiVersion ?? '*'}`
    let found = this.#cache.get(cacheKey)
    if (!found) {
      const out: KObject[] = []
      for (const [key, group] of Object.entries(this.#map)) {
        const g = parseGroupKey(key)
        if (
          g.kind !== ref.kind ||
          (ref.apiVersion !== undefined && g.apiVersion !== ref.apiVersion)
        )
          continue
        const check = this.#check(key)
        for (const object of Object.values(group)) {
          check?.(object)
          out.push(object)
        }
      }
      found = out.sort(compareObjects)
      this.#cache.set(cacheKey, found)
    }
    return found as readonly T[]
  }

  /** The object of a type with this name (and namespace, when given), or undefined. */
  get<T extends KObject = KObject>(
    type: TypeRef | string,
    name: string,
    namespace?: string,
  ): T | undefined {
    const ref = typeof type === 'string' ? { kind: type } : type
    // A lookup by name checks only the object it returns.
    if (!this.#cache.has(`${ref.kind}.${ref.apiVersion ?? '*'}`)) {
      for (const key of Object.keys(this.#map)) {
        const g = parseGroupKey(key)
        if (
          g.kind !== ref.kind ||
          (ref.apiVersion !== undefined && g.apiVersion !== ref.apiVersion)
        )
          continue
        const object = findByName(this.#map[key]!, name, namespace)
        if (object) {
          this.#check(key)?.(object)
          return object as T
        }
      }
      return undefined
    }
    return this.list<T>(type).find(
      (o) =>
        o.metadata.name === name &&
        (namespace === undefined || (o.metadata.namespace ?? '') === namespace),
    )
  }

  /** Number of objects across all types. */
  get size(): number {
    let n = 0
    for (const group of Object.values(this.#map)) n += Object.keys(group).length
    return n
  }

  /** Every group key present, including empty groups. */
  groups(): string[] {
    return Object.keys(this.#map).sort()
  }
}

/** Builds an object map the way Metacontroller would, for a parent and hook version. */
export function buildObjectMap(
  parent: KObject,
  version: HookVersion,
  types: readonly { apiVersion: string; kind: string }[],
  objects: readonly KObject[],
): ObjectMap {
  const map: ObjectMap = {}
  for (const t of types) map[groupKey(t.apiVersion, t.kind)] = {}
  for (const o of [...objects].sort(compareObjects)) {
    const group = (map[groupKey(o.apiVersion, o.kind)] ??= {})
    group[entryKey(o, parent, version)] = o
  }
  return map
}
