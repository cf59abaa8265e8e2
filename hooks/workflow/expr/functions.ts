import { RE2JS } from 're2js'
import { EXPR_LIMITS, ExprError } from './errors.ts'
import { jsonPath } from './jsonpath.ts'
import {
  base64Decode,
  base64Encode,
  byteLength,
  byteOffset,
  checkSize,
  compareStrings,
  equal,
  goReplace,
  goSplit,
  goString,
  isMap,
  isNil,
  ownSet,
  parseJsonText,
  toJsonText,
  trimCutset,
  trimSpace,
  typeName,
  type ExprMap,
  type ExprValue,
} from './values.ts'

/** One function: its arity, its body, and whether an unknown variable among its arguments counts as nil. */
export interface Fn {
  min: number
  max: number
  call: (args: ExprValue[], name: string) => ExprValue
  lenient?: boolean
}

export function fail(name: string, message: string): never {
  throw new ExprError(`${name}: ${message}`)
}

function argument(
  name: string,
  args: ExprValue[],
  i: number,
  want: string,
  ok: (v: ExprValue) => boolean,
): ExprValue {
  const v = args[i] ?? null
  if (!ok(v)) fail(name, `argument ${i + 1} must be ${want}, not ${typeName(v)}`)
  return v
}
export const str = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'a string', (v) => typeof v === 'string') as string
export const num = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'a number', (v) => typeof v === 'number') as number
export const int = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'an int', (v) => Number.isInteger(v)) as number
export const bool = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'a bool', (v) => typeof v === 'boolean') as boolean
export const arr = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'an array', Array.isArray) as ExprValue[]
export const map = (name: string, args: ExprValue[], i: number) =>
  argument(name, args, i, 'a map', isMap) as ExprMap

export function fn(min: number, max: number, call: Fn['call'], lenient = false): Fn {
  return { min, max, call, lenient }
}

/** Values stay JSON-like: a computation that overflows to Infinity or yields NaN is an error. */
export function finite(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new ExprError(`${what}: result is not a finite number`)
  return n
}

/** expr's int(): numbers truncate, strings must be decimal integers (Go's strconv.Atoi). */
export function toInt(name: string, v: ExprValue): number {
  if (typeof v === 'number') return Math.trunc(v) + 0
  if (typeof v === 'string') {
    if (!/^[+-]?[0-9]+$/.test(v)) fail(name, `invalid operation: int(${JSON.stringify(v)})`)
    const n = Number(v)
    if (!Number.isSafeInteger(n)) fail(name, `${JSON.stringify(v)} is out of range`)
    return n
  }
  return fail(name, `invalid operation: int(${typeName(v)})`)
}

/** expr's float(): numbers as they are, strings must be decimal numbers (Go's strconv.ParseFloat, without Inf and NaN). */
export function toFloat(name: string, v: ExprValue): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(v))
      fail(name, `invalid operation: float(${JSON.stringify(v)})`)
    return finite(Number(v), name)
  }
  return fail(name, `invalid operation: float(${typeName(v)})`)
}

// ---- regular expressions: RE2 (Go's syntax, linear time, no catastrophic backtracking) ----

const regexCache = new Map<string, RE2JS>()

export function regex(pattern: string, where: string): RE2JS {
  const cached = regexCache.get(pattern)
  if (cached) return cached
  if (pattern.length > EXPR_LIMITS.sourceLength)
    throw new ExprError(
      `${where}: regular expression of ${pattern.length} characters is over the limit of ${EXPR_LIMITS.sourceLength}`,
    )
  let compiled: RE2JS
  try {
    compiled = RE2JS.compile(pattern)
  } catch (e) {
    throw new ExprError(
      `${where}: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`,
    )
  }
  if (regexCache.size >= 64) regexCache.delete(regexCache.keys().next().value!)
  regexCache.set(pattern, compiled)
  return compiled
}

// ---- expr-lang builtins ----

function numbersOf(name: string, args: ExprValue[]): number[] {
  const out: number[] = []
  const add = (v: ExprValue) => {
    if (Array.isArray(v)) v.forEach(add)
    else if (typeof v === 'number') out.push(v)
    else fail(name, `invalid argument of type ${typeName(v)}`)
  }
  args.forEach(add)
  return out
}

function roundHalfAway(n: number): number {
  return Math.sign(n) * Math.round(Math.abs(n)) + 0
}

/** Sorts values by keys that are all numbers or all strings, stably; `order` is 'asc' or 'desc'. */
export function sortValues(
  name: string,
  values: ExprValue[],
  keys: ExprValue[],
  order: ExprValue,
): ExprValue[] {
  if (order !== 'asc' && order !== 'desc')
    fail(name, `order must be "asc" or "desc", not ${JSON.stringify(order)}`)
  const numeric = keys.every((k) => typeof k === 'number')
  if (!numeric && !keys.every((k) => typeof k === 'string'))
    fail(name, 'can only sort numbers or strings')
  const idx = keys.map((_, i) => i)
  idx.sort((a, b) => {
    const x = keys[a]
    const y = keys[b]
    const c = numeric ? (x as number) - (y as number) : compareStrings(x as string, y as string)
    return order === 'desc' ? -c : c
  })
  return idx.map((i) => values[i])
}

export const BUILTINS: Record<string, Fn> = {
  len: fn(1, 1, ([v], n) => {
    if (typeof v === 'string') return byteLength(v)
    if (Array.isArray(v)) return v.length
    if (isMap(v)) return Object.keys(v).length
    return fail(n, `invalid argument for len (type ${typeName(v)})`)
  }),
  type: fn(1, 1, ([v]) => typeName(v)),
  abs: fn(1, 1, (a, n) => Math.abs(num(n, a, 0))),
  ceil: fn(1, 1, (a, n) => Math.ceil(num(n, a, 0)) + 0),
  floor: fn(1, 1, (a, n) => Math.floor(num(n, a, 0))),
  round: fn(1, 1, (a, n) => roundHalfAway(num(n, a, 0))),
  int: fn(1, 1, ([v], n) => toInt(n, v)),
  float: fn(1, 1, ([v], n) => toFloat(n, v)),
  string: fn(1, 1, ([v]) => goString(v)),
  trim: fn(1, 2, (a, n) =>
    a.length === 1 ? trimSpace(str(n, a, 0)) : trimCutset(str(n, a, 0), str(n, a, 1)),
  ),
  trimPrefix: fn(1, 2, (a, n) => {
    const [s, p] = [str(n, a, 0), a.length > 1 ? str(n, a, 1) : ' ']
    return s.startsWith(p) ? s.slice(p.length) : s
  }),
  trimSuffix: fn(1, 2, (a, n) => {
    const [s, p] = [str(n, a, 0), a.length > 1 ? str(n, a, 1) : ' ']
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s
  }),
  upper: fn(1, 1, (a, n) => str(n, a, 0).toUpperCase()),
  lower: fn(1, 1, (a, n) => str(n, a, 0).toLowerCase()),
  split: fn(2, 3, (a, n) => goSplit(str(n, a, 0), str(n, a, 1), a.length > 2 ? int(n, a, 2) : -1)),
  splitAfter: fn(2, 3, (a, n) =>
    goSplit(str(n, a, 0), str(n, a, 1), a.length > 2 ? int(n, a, 2) : -1, true),
  ),
  replace: fn(3, 4, (a, n) =>
    goReplace(str(n, a, 0), str(n, a, 1), str(n, a, 2), a.length > 3 ? int(n, a, 3) : -1),
  ),
  repeat: fn(2, 2, (a, n) => {
    const [s, times] = [str(n, a, 0), int(n, a, 1)]
    if (times < 0) fail(n, `count must not be negative, got ${times}`)
    checkSize(s.length * times, 'string')
    return s.repeat(times)
  }),
  join: fn(1, 2, (a, n) => {
    const items = arr(n, a, 0)
    const glue = a.length > 1 ? str(n, a, 1) : ''
    if (!items.every((s) => typeof s === 'string')) fail(n, 'can only join an array of strings')
    checkSize(
      (items as string[]).reduce((t, s) => t + s.length + glue.length, 0),
      'string',
    )
    return items.join(glue)
  }),
  indexOf: fn(2, 2, (a, n) => byteOffset(str(n, a, 0), str(n, a, 0).indexOf(str(n, a, 1)))),
  lastIndexOf: fn(2, 2, (a, n) => byteOffset(str(n, a, 0), str(n, a, 0).lastIndexOf(str(n, a, 1)))),
  hasPrefix: fn(2, 2, (a, n) => str(n, a, 0).startsWith(str(n, a, 1))),
  hasSuffix: fn(2, 2, (a, n) => str(n, a, 0).endsWith(str(n, a, 1))),
  max: fn(1, Infinity, (a, n) => {
    const ns = numbersOf(n, a)
    return ns.length === 0 ? null : Math.max(...ns)
  }),
  min: fn(1, Infinity, (a, n) => {
    const ns = numbersOf(n, a)
    return ns.length === 0 ? null : Math.min(...ns)
  }),
  mean: fn(1, Infinity, (a, n) => {
    const ns = numbersOf(n, a)
    return ns.length === 0 ? 0 : finite(ns.reduce((t, x) => t + x, 0) / ns.length, n)
  }),
  median: fn(1, Infinity, (a, n) => {
    const ns = numbersOf(n, a).sort((x, y) => x - y)
    if (ns.length === 0) return 0
    const mid = ns.length >> 1
    return ns.length % 2 === 1 ? ns[mid]! : (ns[mid - 1]! + ns[mid]!) / 2
  }),
  toJSON: fn(1, 1, ([v]) => toJsonText(v, { indent: '  ' })),
  fromJSON: fn(1, 1, (a, n) => parseJsonText(str(n, a, 0), n)),
  toBase64: fn(1, 1, (a, n) => base64Encode(str(n, a, 0))),
  fromBase64: fn(1, 1, (a, n) => {
    const r = base64Decode(str(n, a, 0))
    return r.ok ? r.value : fail(n, r.error)
  }),
  first: fn(1, 1, ([v], n) =>
    isNil(v)
      ? null
      : Array.isArray(v)
        ? (v[0] ?? null)
        : fail(n, `cannot get the first element of ${typeName(v)}`),
  ),
  last: fn(1, 1, ([v], n) =>
    isNil(v)
      ? null
      : Array.isArray(v)
        ? (v[v.length - 1] ?? null)
        : fail(n, `cannot get the last element of ${typeName(v)}`),
  ),
  get: fn(2, 2, ([v, k]) => {
    if (Array.isArray(v) && Number.isInteger(k))
      return v[(k as number) < 0 ? v.length + (k as number) : (k as number)] ?? null
    if (isMap(v) && typeof k === 'string') return Object.hasOwn(v, k) ? (v[k] ?? null) : null
    return null
  }),
  take: fn(2, 2, (a, n) => arr(n, a, 0).slice(0, Math.max(0, int(n, a, 1)))),
  keys: fn(1, 1, (a, n) => Object.keys(map(n, a, 0))),
  values: fn(1, 1, (a, n) => Object.values(map(n, a, 0))),
  sort: fn(1, 2, (a, n) => sortValues(n, arr(n, a, 0), arr(n, a, 0), a.length > 1 ? a[1] : 'asc')),
  reverse: fn(1, 1, (a, n) => [...arr(n, a, 0)].reverse()),
  uniq: fn(1, 1, (a, n) =>
    arr(n, a, 0).filter((v, i, all) => all.findIndex((w) => equal(v, w)) === i),
  ),
  flatten: fn(1, 1, (a, n) => {
    const out: ExprValue[] = []
    const walk = (v: ExprValue, depth: number) => {
      if (depth > EXPR_LIMITS.valueDepth) fail(n, 'array is nested too deeply')
      if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1))
      else if (out.push(v) > EXPR_LIMITS.arrayLength) checkSize(out.length, 'array')
    }
    arr(n, a, 0).forEach((v) => walk(v, 1))
    return out
  }),
  concat: fn(1, Infinity, (a, n) => {
    const lists = a.map((_, i) => arr(n, a, i))
    checkSize(
      lists.reduce((t, l) => t + l.length, 0),
      'array',
    )
    return lists.flat(1)
  }),
  toPairs: fn(1, 1, (a, n) => Object.entries(map(n, a, 0))),
  fromPairs: fn(1, 1, (a, n) => {
    const out: ExprMap = {}
    for (const pair of arr(n, a, 0)) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string')
        fail(n, 'each pair must be [string key, value]')
      ownSet(out, pair[0] as string, pair[1])
    }
    return out
  }),
  // Argo's additions
  asInt: fn(1, 1, ([v], n) => toInt(n, v)),
  asFloat: fn(1, 1, ([v], n) => toFloat(n, v)),
  toJson: fn(1, 1, ([v]) => toJsonText(v)),
  jsonpath: fn(2, 2, (a, n) => jsonPath(parseJsonText(str(n, a, 0), n), str(n, a, 1))),
}

/** Functions that would make the result depend on the clock, randomness, the host or the network. */
export const NONDETERMINISTIC = new Set([
  'now',
  ...[
    'now',
    'date',
    'dateInZone',
    'date_in_zone',
    'dateModify',
    'date_modify',
    'mustDateModify',
    'must_date_modify',
    'ago',
    'htmlDate',
    'htmlDateInZone',
    'toDate',
    'mustToDate',
    'unixEpoch',
    'randAlphaNum',
    'randAlpha',
    'randAscii',
    'randNumeric',
    'randBytes',
    'randInt',
    'randSeededNumeric',
    'uuidv4',
    'shuffle',
    'genPrivateKey',
    'genCA',
    'genCAWithKey',
    'genSelfSignedCert',
    'genSelfSignedCertWithKey',
    'genSignedCert',
    'genSignedCertWithKey',
    'buildCustomCert',
    'encryptAES',
    'bcrypt',
    'htpasswd',
    'env',
    'expandenv',
    'getHostByName',
  ].map((f) => `sprig.${f}`),
])
