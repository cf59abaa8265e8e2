import type { KObject } from '../contract/objects.ts'
import { isPlainObject } from './cluster.ts'
import { LAST_APPLIED_ANNOTATION } from './ownership.ts'

/**
 * Metacontroller's default "dynamic apply", simplified: a 3-way merge of observed, last-applied
 * and desired. Fields the last apply set but desired no longer has are removed; desired fields
 * are set (objects merge recursively, arrays are replaced — Metacontroller merges some arrays of
 * objects by key, which only matters when the server adds items, and our simulated server never
 * does). Status and server-set metadata stay as observed, because desired never carries them.
 */
function merge(observed: unknown, lastApplied: unknown, desired: unknown): unknown {
  if (!isPlainObject(desired)) return structuredClone(desired)
  const base = isPlainObject(observed) ? { ...observed } : {}
  const last = isPlainObject(lastApplied) ? lastApplied : {}
  for (const key of Object.keys(last)) if (!(key in desired)) delete base[key]
  for (const [key, value] of Object.entries(desired)) base[key] = merge(base[key], last[key], value)
  return base
}

export function lastApplied(object: KObject): unknown {
  const raw = object.metadata.annotations?.[LAST_APPLIED_ANNOTATION]
  if (raw === undefined) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

/** The object after applying `desired` over `observed`, with the new last-applied annotation. */
export function applyDesired(observed: KObject, desired: KObject): KObject {
  const merged = merge(observed, lastApplied(observed), desired) as KObject
  return withLastApplied(merged, desired)
}

/** Records what was applied, as Metacontroller does on every create and update. */
export function withLastApplied(object: KObject, desired: KObject): KObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...object.metadata.annotations,
        [LAST_APPLIED_ANNOTATION]: JSON.stringify(desired),
      },
    },
  }
}
