import * as z from 'zod'
import type { Run } from './state.ts'
import { UnresolvedError } from './substitute.ts'

/** Parameters from ConfigMaps (`valueFrom.configMapKeyRef`), read from the related ConfigMaps Metacontroller sends. */

export const ObservedConfigMap = z.looseObject({
  data: z.record(z.string(), z.string()).optional(),
})

/** Every ConfigMap a spec (or stored templates) names in a configMapKeyRef. */
export function configMapNames(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value !== 'object' || value === null) return out
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object') configMapNames(v, out)
    return out
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k]
    if (typeof v !== 'object') continue
    if (k === 'configMapKeyRef' && v !== null && typeof (v as { name?: unknown }).name === 'string')
      out.add((v as { name: string }).name)
    else configMapNames(v, out)
  }
  return out
}

/** The value of a key; undefined when the ref is optional and absent; an UnresolvedError (the node is an Error) otherwise. */
export function configMapValue(
  run: Run,
  ref: { name: string; key: string; optional?: boolean | undefined },
): string | undefined {
  const data = run.input.configMaps?.[ref.name]
  const value = data?.[ref.key]
  if (value !== undefined || ref.optional) return value
  throw new UnresolvedError(
    data ? `ConfigMap ${ref.name} has no key ${ref.key}` : `ConfigMap ${ref.name} is not there`,
  )
}

/** The workflow's own parameters (`spec.arguments`), a ConfigMap key where a parameter names one; unresolvable ones left out. */
export function workflowParameters(run: Run): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of run.spec.arguments?.parameters ?? []) {
    let value = p.value
    if (value === undefined && p.valueFrom?.configMapKeyRef) {
      try {
        value = configMapValue(run, p.valueFrom.configMapKeyRef)
      } catch {
        value = undefined
      }
    }
    value ??= p.valueFrom?.default ?? p.default
    if (value !== undefined) out[p.name] = value
  }
  return out
}
