import { deepEqual, isPlainObject } from './cluster.ts'

function show(v: unknown): string {
  if (v === undefined) return '∅'
  const text = JSON.stringify(v)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return
  if (a === undefined && isPlainObject(b)) a = {}
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])])
      walk(a[key], b[key], path ? `${path}.${key}` : key, out)
    return
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => walk(v, b[i], `${path}[${i}]`, out))
    return
  }
  out.push(`${path || '.'}: ${show(a)} → ${show(b)}`)
}

/** `path: old → new` for every leaf that changed, capped for reports. */
export function statusDiff(before: unknown, after: unknown, max = 6): string {
  const out: string[] = []
  walk(before, after, '', out)
  return out.length > max
    ? `${out.slice(0, max).join('; ')}; … ${out.length - max} more`
    : out.join('; ')
}
