import { EXPR_LIMITS, ExprError } from './errors.ts'
import { checkSize, isMap, type ExprValue } from './values.ts'

/**
 * The JSONPath subset Argo workflows use with `jsonpath(json, path)`:
 *   $              the document
 *   .name  ['name'] ["name"] ['a','b']   keys (names may contain "-")
 *   [0] [-1] [0,2]                        indexes (negative from the end)
 *   [start:end] [start:end:step]          slices
 *   .* [*]                                every element or value
 *   ..name ..* ..[0]                      recursive descent
 * A path of keys and single indexes gives one value and fails when it is missing; a path with a
 * wildcard, union, slice or descent gives an array of every match. Filters (?()) and scripts are refused.
 */

type Selector =
  | { kind: 'keys'; keys: string[] }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'slice'; start?: number; end?: number; step: number }
  | { kind: 'wildcard' }

interface Step {
  descend: boolean
  selector: Selector
}

function fail(path: string, message: string): never {
  throw new ExprError(
    `jsonpath: ${message} in ${JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}…` : path)}`,
  )
}

function parsePath(path: string): Step[] {
  if (!path.startsWith('$')) fail(path, 'a path starts with "$"')
  const steps: Step[] = []
  let i = 1
  while (i < path.length) {
    let descend = false
    if (path.startsWith('..', i)) {
      descend = true
      i += 2
    } else if (path[i] === '.') i++
    else if (path[i] !== '[') fail(path, `unexpected ${JSON.stringify(path[i])} at ${i + 1}`)
    if (path[i] === '[') {
      const end = findClose(path, i)
      steps.push({ descend, selector: parseBracket(path, path.slice(i + 1, end).trim()) })
      i = end + 1
    } else if (path[i] === '*') {
      steps.push({ descend, selector: { kind: 'wildcard' } })
      i++
    } else {
      const m = /^[^.[\]\s]+/.exec(path.slice(i))
      if (!m) fail(path, `expected a name at ${i + 1}`)
      steps.push({ descend, selector: { kind: 'keys', keys: [m![0]] } })
      i += m![0].length
    }
  }
  return steps
}

function findClose(path: string, open: number): number {
  let quote = ''
  for (let j = open + 1; j < path.length; j++) {
    const c = path[j]!
    if (quote) {
      if (c === '\\') j++
      else if (c === quote) quote = ''
    } else if (c === "'" || c === '"') quote = c
    else if (c === ']') return j
  }
  return fail(path, `missing "]" for "[" at ${open + 1}`)
}

function parseBracket(path: string, body: string): Selector {
  if (body === '*') return { kind: 'wildcard' }
  if (body.startsWith('?') || body.startsWith('('))
    fail(path, 'filter and script expressions are not supported')
  if (body.startsWith("'") || body.startsWith('"')) {
    const keys: string[] = []
    const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y
    let m: RegExpExecArray | null
    while (re.lastIndex < body.length && (m = re.exec(body)) !== null) {
      keys.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'))
      if (m[3] === '') break
    }
    if (re.lastIndex !== body.length || keys.length === 0)
      fail(path, `invalid key selector [${body}]`)
    return { kind: 'keys', keys }
  }
  const slice = /^(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+))?$/.exec(body)
  if (slice) {
    const step = slice[3] === undefined ? 1 : Number(slice[3])
    if (step === 0) fail(path, 'slice step must not be 0')
    return {
      kind: 'slice',
      start: slice[1] === undefined ? undefined : Number(slice[1]),
      end: slice[2] === undefined ? undefined : Number(slice[2]),
      step,
    }
  }
  if (/^-?\d+(\s*,\s*-?\d+)*$/.test(body))
    return { kind: 'indexes', indexes: body.split(',').map((s) => Number(s.trim())) }
  return fail(path, `invalid selector [${body}]`)
}

function isDefinite(steps: Step[]): boolean {
  return steps.every(
    (s) =>
      !s.descend &&
      ((s.selector.kind === 'keys' && s.selector.keys.length === 1) ||
        (s.selector.kind === 'indexes' && s.selector.indexes.length === 1)),
  )
}

/** The value and every value below it, depth first (for `..`). */
function descendants(v: ExprValue, out: ExprValue[], depth = 0): ExprValue[] {
  if (depth > EXPR_LIMITS.valueDepth) throw new ExprError('jsonpath: document is nested too deeply')
  out.push(v)
  checkSize(out.length, 'array')
  if (Array.isArray(v)) v.forEach((x) => descendants(x, out, depth + 1))
  else if (isMap(v)) Object.values(v).forEach((x) => descendants(x, out, depth + 1))
  return out
}

function select(
  path: string,
  v: ExprValue,
  sel: Selector,
  strict: boolean,
  out: ExprValue[],
): void {
  switch (sel.kind) {
    case 'wildcard':
      if (Array.isArray(v)) out.push(...v)
      else if (isMap(v)) out.push(...Object.values(v))
      return
    case 'keys':
      for (const key of sel.keys) {
        if (isMap(v) && Object.hasOwn(v, key)) out.push(v[key] ?? null)
        else if (strict)
          fail(
            path,
            isMap(v)
              ? `key ${JSON.stringify(key)} not found`
              : `cannot select key ${JSON.stringify(key)} from a non-object`,
          )
      }
      return
    case 'indexes':
      for (const index of sel.indexes) {
        const i = Array.isArray(v) && index < 0 ? v.length + index : index
        if (Array.isArray(v) && i >= 0 && i < v.length) out.push(v[i] ?? null)
        else if (strict)
          fail(
            path,
            Array.isArray(v)
              ? `index ${index} out of range (length ${v.length})`
              : `cannot select index ${index} from a non-array`,
          )
      }
      return
    case 'slice': {
      if (!Array.isArray(v)) return
      const n = v.length
      const norm = (x: number) => (x < 0 ? Math.max(0, n + x) : Math.min(n, x))
      if (sel.step > 0)
        for (let i = norm(sel.start ?? 0); i < norm(sel.end ?? n); i += sel.step)
          out.push(v[i] ?? null)
      else
        for (
          let i =
            sel.start === undefined
              ? n - 1
              : Math.min(n - 1, sel.start < 0 ? n + sel.start : sel.start);
          i > (sel.end === undefined ? -1 : sel.end < 0 ? n + sel.end : sel.end) && i >= 0;
          i += sel.step
        )
          out.push(v[i] ?? null)
    }
  }
}

/** Queries a parsed JSON document. */
export function jsonPath(document: ExprValue, path: string): ExprValue {
  const steps = parsePath(path)
  const strict = isDefinite(steps)
  let current: ExprValue[] = [document]
  for (const step of steps) {
    const next: ExprValue[] = []
    const bases = step.descend ? current.flatMap((v) => descendants(v, [])) : current
    for (const base of bases) select(path, base, step.selector, strict, next)
    checkSize(next.length, 'array')
    current = next
  }
  return strict ? (current[0] ?? null) : current
}
