import { EXPR_LIMITS, ExprError } from './errors.ts'
import { bool, fail, finite, fn, int, map, regex, str, type Fn } from './functions.ts'
import {
  base64Decode,
  base64Encode,
  byteLength,
  byteSlice,
  checkSize,
  compareStrings,
  equal,
  GO_SPACE,
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

/**
 * The deterministic part of Sprig (github.com/Masterminds/sprig/v3) as Argo exposes it under `sprig.`.
 * Sprig's argument order is kept (`sprig.trimPrefix(prefix, s)`, `sprig.contains(substr, s)`), and so is its
 * habit of not failing: numbers that do not parse are 0, a missing dict key is "".
 */

/** Sprig's toString: strings as they are, anything else as Go's %v prints it. */
const strval = (v: ExprValue): string => (typeof v === 'string' ? v : goString(v))

/** Sprig's view of a list as strings: nil elements dropped, others through toString. */
function strslice(v: ExprValue): string[] {
  if (Array.isArray(v)) return v.filter((x) => !isNil(x)).map(strval)
  return isNil(v) ? [] : [strval(v)]
}

/** Sprig's empty: nil, false, 0, "" and empty arrays and maps. */
function empty(v: ExprValue): boolean {
  if (isNil(v) || v === false || v === 0 || v === '') return true
  if (Array.isArray(v)) return v.length === 0
  if (isMap(v)) return Object.keys(v).length === 0
  return false
}

/** cast.ToInt64 as Sprig uses it: strings in Go's base-0 syntax ("0x1f", "017", "3.0"), bools as 0/1, anything unparsable as 0. */
function toInt64(v: ExprValue): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) + 0 : 0
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v !== 'string') return 0
  const s = v.replace(/\.0*$/, '').replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '')
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(s)
  if (!m) return 0
  const body = m[2]!
  const lower = body.toLowerCase()
  const n = lower.startsWith('0x')
    ? parseInt(body.slice(2), 16)
    : lower.startsWith('0b')
      ? parseInt(body.slice(2), 2)
      : lower.startsWith('0o')
        ? parseInt(body.slice(2), 8)
        : body.length > 1 && body.startsWith('0')
          ? parseInt(body.slice(1), 8)
          : Number(body)
  const signed = m[1] === '-' ? -n : n
  return Number.isSafeInteger(signed) ? signed + 0 : 0
}

/** cast.ToFloat64: numbers as they are, decimal strings parsed, anything else 0. */
function toFloat64(v: ExprValue): number {
  if (typeof v === 'number') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string' && /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : 0
  }
  return 0
}

const ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
}
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** Go's %q of a string. */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ESCAPES[ch]) out += ESCAPES[ch]
    else if (PRINTABLE.test(ch)) out += ch
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, '0')}`
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += `\\U${c.toString(16).padStart(8, '0')}`
  }
  return `${out}"`
}

const WORD_CHAR = /[\p{L}\p{N}_]/u
const SPACE_CHAR = new RegExp(`^[${GO_SPACE}]$`)

/** Go's strings.Title: the first letter after a separator (ASCII non-word character or space) is upper-cased. */
function title(s: string): string {
  let prev = ' '
  let out = ''
  for (const ch of s) {
    const separator = !WORD_CHAR.test(prev) && (/^[\x00-\x7f]$/.test(prev) || SPACE_CHAR.test(prev))
    out += separator ? ch.toUpperCase() : ch
    prev = ch
  }
  return out
}

function list(name: string, v: ExprValue): ExprValue[] {
  if (!Array.isArray(v)) fail(name, `cannot use ${typeName(v)} as a list`)
  return v as ExprValue[]
}

function bytesRange(name: string, s: string, from: number, to: number): string {
  const n = byteLength(s)
  if (from < 0 || to > n || from > to)
    fail(name, `slice bounds out of range [${from}:${to}] with length ${n}`)
  return byteSlice(s, from, to)
}

function indent(name: string, spaces: number, s: string): string {
  if (spaces < 0) fail(name, 'negative indent')
  const pad = ' '.repeat(Math.min(spaces, EXPR_LIMITS.stringLength + 1))
  return pad + goReplace(s, '\n', `\n${pad}`)
}

function dict(args: ExprValue[]): ExprMap {
  const out: ExprMap = {}
  for (let i = 0; i < args.length; i += 2)
    ownSet(out, strval(args[i]), i + 1 < args.length ? args[i + 1] : '')
  return out
}

function pickOrOmit(name: string, args: ExprValue[], keep: boolean): ExprMap {
  const d = map(name, args, 0)
  const keys = new Set(args.slice(1).map(strval))
  const out: ExprMap = {}
  for (const [k, v] of Object.entries(d)) if (keys.has(k) === keep) ownSet(out, k, v)
  return out
}

function sprigRound(a: ExprValue, places: ExprValue, roundOn: ExprValue): number {
  const pow = 10 ** toFloat64(places)
  const digit = pow * toFloat64(a)
  const frac = digit - Math.trunc(digit)
  return (
    finite(
      (frac >= (isNil(roundOn) ? 0.5 : toFloat64(roundOn)) ? Math.ceil(digit) : Math.floor(digit)) /
        pow,
      'sprig.round',
    ) + 0
  )
}

function intOp(name: string, a: ExprValue[], op: (x: number, y: number) => number): number {
  const [x, y] = [toInt64(a[0]), toInt64(a[1])]
  if ((name === 'sprig.div' || name === 'sprig.mod') && y === 0)
    fail(name, 'integer divide by zero')
  return finite(Math.trunc(op(x, y)), name) + 0
}

const S: Record<string, Fn> = {
  // strings
  upper: fn(1, 1, (a, n) => str(n, a, 0).toUpperCase()),
  lower: fn(1, 1, (a, n) => str(n, a, 0).toLowerCase()),
  title: fn(1, 1, (a, n) => title(str(n, a, 0))),
  untitle: fn(1, 1, (a, n) =>
    str(n, a, 0).replace(
      new RegExp(`(^|[${GO_SPACE}])(\\S)`, 'gu'),
      (_, sp: string, c: string) => sp + c.toLowerCase(),
    ),
  ),
  trim: fn(1, 1, (a, n) => trimSpace(str(n, a, 0))),
  trimAll: fn(2, 2, (a, n) => trimCutset(str(n, a, 1), str(n, a, 0))),
  trimPrefix: fn(2, 2, (a, n) =>
    str(n, a, 1).startsWith(str(n, a, 0)) ? str(n, a, 1).slice(str(n, a, 0).length) : str(n, a, 1),
  ),
  trimSuffix: fn(2, 2, (a, n) => {
    const [suffix, s] = [str(n, a, 0), str(n, a, 1)]
    return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s
  }),
  replace: fn(3, 3, (a, n) => goReplace(str(n, a, 2), str(n, a, 0), str(n, a, 1))),
  contains: fn(2, 2, (a, n) => str(n, a, 1).includes(str(n, a, 0))),
  hasPrefix: fn(2, 2, (a, n) => str(n, a, 1).startsWith(str(n, a, 0))),
  hasSuffix: fn(2, 2, (a, n) => str(n, a, 1).endsWith(str(n, a, 0))),
  repeat: fn(2, 2, (a, n) => {
    const [count, s] = [int(n, a, 0), str(n, a, 1)]
    if (count < 0) fail(n, 'negative repeat count')
    checkSize(s.length * count, 'string')
    return s.repeat(count)
  }),
  substr: fn(3, 3, (a, n) => {
    const [start, end, s] = [int(n, a, 0), int(n, a, 1), str(n, a, 2)]
    if (start < 0) return bytesRange(n, s, 0, end)
    if (end < 0 || end > byteLength(s)) return bytesRange(n, s, start, byteLength(s))
    return bytesRange(n, s, start, end)
  }),
  trunc: fn(2, 2, (a, n) => {
    const [c, s] = [int(n, a, 0), str(n, a, 1)]
    const len = byteLength(s)
    if (c < 0 && len + c > 0) return byteSlice(s, len + c, len)
    if (c >= 0 && len > c) return byteSlice(s, 0, c)
    return s
  }),
  quote: fn(0, Infinity, (a) =>
    a
      .filter((v) => !isNil(v))
      .map((v) => goQuote(strval(v)))
      .join(' '),
  ),
  squote: fn(0, Infinity, (a) =>
    a
      .filter((v) => !isNil(v))
      .map((v) => `'${strval(v)}'`)
      .join(' '),
  ),
  cat: fn(0, Infinity, (a) =>
    a
      .filter((v) => !isNil(v))
      .map(strval)
      .join(' '),
  ),
  indent: fn(2, 2, (a, n) => indent(n, int(n, a, 0), str(n, a, 1))),
  nindent: fn(2, 2, (a, n) => `\n${indent(n, int(n, a, 0), str(n, a, 1))}`),
  nospace: fn(1, 1, (a, n) => str(n, a, 0).replace(new RegExp(`[${GO_SPACE}]+`, 'g'), '')),
  plural: fn(3, 3, (a, n) => (int(n, a, 2) === 1 ? str(n, a, 0) : str(n, a, 1))),
  splitList: fn(2, 2, (a, n) => goSplit(str(n, a, 1), str(n, a, 0))),
  split: fn(2, 2, (a, n) =>
    dict(goSplit(str(n, a, 1), str(n, a, 0)).flatMap((part, i) => [`_${i}`, part])),
  ),
  join: fn(2, 2, (a, n) => {
    const [sep, parts] = [str(n, a, 0), strslice(a[1])]
    checkSize(
      parts.reduce((t, p) => t + p.length + sep.length, 0),
      'string',
    )
    return parts.join(sep)
  }),
  toString: fn(1, 1, ([v]) => strval(v)),
  toStrings: fn(1, 1, ([v]) => strslice(v)),
  b64enc: fn(1, 1, (a, n) => base64Encode(str(n, a, 0))),
  b64dec: fn(1, 1, (a, n) => {
    const r = base64Decode(str(n, a, 0))
    return r.ok ? r.value : r.error // Sprig returns the error text instead of failing
  }),
  regexMatch: fn(2, 2, (a, n) => regex(str(n, a, 0), n).test(str(n, a, 1))),
  fail: fn(1, 1, (a, n) => {
    throw new ExprError(`${n}: ${str(n, a, 0)}`)
  }),
  // defaults and JSON
  default: fn(1, 2, (a) => (a.length < 2 || empty(a[1]) ? a[0] : a[1]), true),
  empty: fn(1, 1, ([v]) => empty(v), true),
  coalesce: fn(0, Infinity, (a) => a.find((v) => !empty(v)) ?? null, true),
  ternary: fn(3, 3, (a, n) => (bool(n, a, 2) ? a[0] : a[1])),
  all: fn(0, Infinity, (a) => a.every((v) => !empty(v))),
  any: fn(0, Infinity, (a) => a.some((v) => !empty(v))),
  toJson: fn(1, 1, ([v]) => toJsonText(v)),
  toPrettyJson: fn(1, 1, ([v]) => toJsonText(v, { indent: '  ' })),
  toRawJson: fn(1, 1, ([v]) => toJsonText(v, { html: false })),
  fromJson: fn(1, 1, (a, n) => {
    const text = str(n, a, 0)
    try {
      return parseJsonText(text, n)
    } catch {
      return null // Sprig ignores the error
    }
  }),
  deepEqual: fn(2, 2, ([x, y]) => equal(x, y)),
  // lists
  list: fn(0, Infinity, (a) => [...a]),
  tuple: fn(0, Infinity, (a) => [...a]),
  first: fn(1, 1, ([v], n) => list(n, v)[0] ?? null),
  last: fn(1, 1, ([v], n) => list(n, v).at(-1) ?? null),
  rest: fn(1, 1, ([v], n) => (list(n, v).length === 0 ? null : list(n, v).slice(1))),
  initial: fn(1, 1, ([v], n) => (list(n, v).length === 0 ? null : list(n, v).slice(0, -1))),
  append: fn(2, 2, ([l, v], n) => [...list(n, l), v]),
  push: fn(2, 2, ([l, v], n) => [...list(n, l), v]),
  prepend: fn(2, 2, ([l, v], n) => [v, ...list(n, l)]),
  concat: fn(0, Infinity, (a, n) => {
    checkSize(
      a.reduce((t: number, l) => t + list(n, l).length, 0),
      'array',
    )
    return a.flatMap((l) => list(n, l))
  }),
  has: fn(2, 2, ([needle, hay], n) => list(n, hay).some((v) => equal(v, needle))),
  uniq: fn(1, 1, ([v], n) =>
    list(n, v).filter((x, i, all) => all.findIndex((y) => equal(x, y)) === i),
  ),
  without: fn(1, Infinity, ([v, ...omit], n) =>
    list(n, v).filter((x) => !omit.some((o) => equal(o, x))),
  ),
  reverse: fn(1, 1, ([v], n) => [...list(n, v)].reverse()),
  sortAlpha: fn(1, 1, ([v]) => (Array.isArray(v) ? strslice(v).sort(compareStrings) : [strval(v)])),
  compact: fn(1, 1, ([v], n) => list(n, v).filter((x) => !empty(x))),
  slice: fn(1, 3, (a, n) => {
    const l = list(n, a[0])
    if (l.length === 0) return null
    const [start, end] = [a.length > 1 ? toInt64(a[1]) : 0, a.length > 2 ? toInt64(a[2]) : l.length]
    if (start < 0 || end > l.length || start > end)
      fail(n, `slice bounds out of range [${start}:${end}] with length ${l.length}`)
    return l.slice(start, end)
  }),
  until: fn(1, 1, (a, n) => {
    const count = int(n, a, 0)
    checkSize(Math.abs(count), 'array')
    return Array.from({ length: Math.abs(count) }, (_, i) => (count < 0 ? -i : i))
  }),
  // math (Sprig's arithmetic is on int64)
  add: fn(0, Infinity, (a) =>
    finite(
      a.reduce((t: number, v) => t + toInt64(v), 0),
      'sprig.add',
    ),
  ),
  add1: fn(1, 1, ([v]) => toInt64(v) + 1),
  sub: fn(2, 2, (a, n) => intOp(n, a, (x, y) => x - y)),
  mul: fn(1, Infinity, (a) =>
    finite(
      a.reduce((t: number, v) => t * toInt64(v), 1),
      'sprig.mul',
    ),
  ),
  div: fn(2, 2, (a, n) => intOp(n, a, (x, y) => x / y)),
  mod: fn(2, 2, (a, n) => intOp(n, a, (x, y) => x % y)),
  max: fn(1, Infinity, (a) => Math.max(...a.map(toInt64))),
  biggest: fn(1, Infinity, (a) => Math.max(...a.map(toInt64))),
  min: fn(1, Infinity, (a) => Math.min(...a.map(toInt64))),
  floor: fn(1, 1, ([v]) => Math.floor(toFloat64(v))),
  ceil: fn(1, 1, ([v]) => Math.ceil(toFloat64(v)) + 0),
  round: fn(2, 3, ([v, p, on]) => sprigRound(v, p, on ?? null)),
  atoi: fn(1, 1, (a, n) => {
    const s = str(n, a, 0)
    return /^[+-]?[0-9]+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) + 0 : 0
  }),
  int: fn(1, 1, ([v]) => toInt64(v)),
  int64: fn(1, 1, ([v]) => toInt64(v)),
  float64: fn(1, 1, ([v]) => toFloat64(v)),
  // dicts
  dict: fn(0, Infinity, (a) => dict(a)),
  get: fn(2, 2, (a, n) => {
    const [d, k] = [map(n, a, 0), str(n, a, 1)]
    return Object.hasOwn(d, k) ? (d[k] ?? null) : ''
  }),
  hasKey: fn(2, 2, (a, n) => Object.hasOwn(map(n, a, 0), str(n, a, 1))),
  keys: fn(1, Infinity, (a, n) => a.flatMap((_, i) => Object.keys(map(n, a, i)))),
  values: fn(1, 1, (a, n) => Object.values(map(n, a, 0))),
  pick: fn(1, Infinity, (a, n) => pickOrOmit(n, a, true)),
  omit: fn(1, Infinity, (a, n) => pickOrOmit(n, a, false)),
  // paths
  base: fn(1, 1, (a, n) => {
    const s = str(n, a, 0).replace(/\/+$/, '')
    return s === '' ? (str(n, a, 0) === '' ? '.' : '/') : s.slice(s.lastIndexOf('/') + 1)
  }),
  ext: fn(1, 1, (a, n) => {
    const s = str(n, a, 0)
    const dot = s.lastIndexOf('.')
    return dot > s.lastIndexOf('/') ? s.slice(dot) : ''
  }),
}

export const SPRIG: Record<string, Fn> = Object.fromEntries(
  Object.entries(S).map(([k, v]) => [`sprig.${k}`, v]),
)
