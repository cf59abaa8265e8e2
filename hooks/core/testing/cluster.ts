import type { KObject } from '../contract/objects.ts'
import { ownerReferences } from './ownership.ts'

export function objectKey(o: {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string }
}): string {
  return `${o.kind}.${o.apiVersion} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
}

/** `Kind ns/name`, for reports. */
export function describeObject(o: KObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined)
    const kb = Object.keys(b).filter((k) => b[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]))
  }
  return false
}

/**
 * An in-memory API server: objects keyed by type, namespace and name, with server-assigned
 * uid, resourceVersion, generation and creationTimestamp, and garbage collection by owner.
 * Everything is deterministic: uids and versions come from counters, times from a virtual clock.
 */
export class Cluster {
  readonly #objects = new Map<string, KObject>()
  #uids = 0
  #versions = 0
  /** Virtual time, ms since the epoch. */
  now: number

  constructor(startTime = '2026-01-01T00:00:00Z') {
    this.now = Date.parse(startTime)
  }

  get time(): string {
    return new Date(this.now).toISOString().replace('.000Z', 'Z')
  }

  #nextVersion(): string {
    return String(++this.#versions)
  }

  /** Stores a new object as the API server would, filling in the server-set metadata. */
  create(object: KObject): KObject {
    const key = objectKey(object)
    if (this.#objects.has(key)) throw new Error(`${describeObject(object)} already exists`)
    const uid =
      object.metadata.uid ??
      `00000000-0000-4000-8000-${(++this.#uids).toString(16).padStart(12, '0')}`
    const stored = structuredClone({
      ...object,
      metadata: {
        ...object.metadata,
        uid,
        resourceVersion: this.#nextVersion(),
        generation: 1,
        creationTimestamp: this.time,
      },
    }) as KObject
    this.#objects.set(key, stored)
    return stored
  }

  /** Replaces an object; generation moves when anything but metadata and status changed. */
  update(object: KObject): KObject {
    const key = objectKey(object)
    const current = this.#objects.get(key)
    if (!current) throw new Error(`${describeObject(object)} does not exist`)
    const { metadata: _m1, status: _s1, ...specA } = current as Record<string, unknown>
    const { metadata: _m2, status: _s2, ...specB } = object as Record<string, unknown>
    const generation = (current.metadata.generation ?? 1) + (deepEqual(specA, specB) ? 0 : 1)
    const stored = structuredClone({
      ...object,
      metadata: { ...object.metadata, generation, resourceVersion: this.#nextVersion() },
    }) as KObject
    this.#objects.set(key, stored)
    return stored
  }

  get(ref: {
    apiVersion: string
    kind: string
    name: string
    namespace?: string
  }): KObject | undefined {
    return this.#objects.get(
      objectKey({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace && { namespace: ref.namespace }) },
      }),
    )
  }

  /** Removes an object at once (no grace period). */
  remove(object: KObject): boolean {
    return this.#objects.delete(objectKey(object))
  }

  /** All objects, sorted by type, namespace and name. */
  list(): KObject[] {
    return [...this.#objects.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
  }

  /** Removes every object whose owners are all gone, repeatedly (background cascading deletion). */
  collectGarbage(): KObject[] {
    const removed: KObject[] = []
    for (;;) {
      const uids = new Set(this.list().map((o) => o.metadata.uid))
      const orphans = this.list().filter((o) => {
        const refs = ownerReferences(o)
        return refs.length > 0 && refs.every((r) => !uids.has(r.uid))
      })
      if (orphans.length === 0) return removed
      for (const o of orphans) {
        this.remove(o)
        removed.push(o)
      }
    }
  }
}
