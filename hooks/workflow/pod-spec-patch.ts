import { parse } from 'yaml'

/**
 * Argo's podSpecPatch: a JSON or YAML object merged onto the built Pod spec the way a strategic
 * merge patch merges a PodSpec — objects deeply, lists of named things by their merge key
 * (containers by name, volumeMounts by mountPath, …), other lists replaced, `null` deletes.
 */

/** The merge key of each PodSpec list that has one (Kubernetes' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  hostAliases: 'ip',
  resourceClaims: 'name',
  topologySpreadConstraints: 'topologyKey',
}

export class PodSpecPatchError extends Error {
  override name = 'PodSpecPatchError'
}

export function parsePodSpecPatch(text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = parse(text)
  } catch (error) {
    throw new PodSpecPatchError(
      `podSpecPatch is not JSON or YAML: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  if (!isPlain(value))
    throw new PodSpecPatchError('podSpecPatch must be an object of Pod spec fields')
  return value
}

export function mergePodSpec(
  spec: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return mergeObject(spec, patch, MERGE_KEYS)
}

/**
 * A JSON merge patch (RFC 7386) of an object: the same merge with no list merged by key — what
 * `kubectl patch --type merge` and the UI's actions send (ui/simulated.ts applies them).
 */
export function jsonMergePatch(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return mergeObject(base, patch, {})
}

function mergeObject(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
  keys: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key]
    else if (Array.isArray(value) && Array.isArray(out[key]) && keys[key])
      out[key] = mergeList(out[key] as unknown[], value, keys[key]!, keys)
    else if (isPlain(value) && isPlain(out[key]))
      out[key] = mergeObject(out[key] as Record<string, unknown>, value, keys)
    else out[key] = value
  }
  return out
}

/** Items with the same merge key are merged; new ones are appended in the patch's order. */
function mergeList(
  base: unknown[],
  patch: unknown[],
  key: string,
  keys: Record<string, string>,
): unknown[] {
  const out = [...base]
  for (const item of patch) {
    const at = isPlain(item) ? out.findIndex((b) => isPlain(b) && b[key] === item[key]) : -1
    if (at >= 0)
      out[at] = mergeObject(
        out[at] as Record<string, unknown>,
        item as Record<string, unknown>,
        keys,
      )
    else out.push(item)
  }
  return out
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
