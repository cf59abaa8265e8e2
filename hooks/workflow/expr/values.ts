import { EXPR_LIMITS, ExprError } from './errors.ts'

/** JSON-like values: string, number, boolean, null, arrays, plain objects. */
export type ExprValue = unknown
export type ExprMap = Record<string, ExprValue>

/** A plain data object (never a class instance, a function or an array). */
export function isMap(v: unknown): v is ExprMap {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined
}

/** expr-lang's name for a value's type, as its error messages print it. */
export function typeName(v: unknown): string {
  if (isNil(v)) return 'nil'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'string') return 'string'
  if (Array.isArray(v)) return 'array'
  if (isMap(v)) return 'map'
  return `unsupported ${typeof v}`
}

/** Own keys only: `constructor`, `__proto__` and the like are never reachable. */
export function ownGet(m: ExprMap, key: string): { found: boolean; value: ExprValue } {
  return Object.hasOwn(m, key)
    ? { found: true, value: m[key] ?? null }
    : { found: false, value: null }
}

/** Sets an own, enumerable key even when it is `__proto__`. */
export function ownSet(m: ExprMap, key: string, value: ExprValue): void {
  Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true })
}

export function checkDepth(depth: number): void {
  if (depth > EXPR_LIMITS.valueDepth)
    throw new ExprError(`value is nested more than ${EXPR_LIMITS.valueDepth} levels deep`)
}

export function checkString(s: string): string {
  if (s.length > EXPR_LIMITS.stringLength)
    throw new ExprError(
      `string of ${s.length} characters is over the limit of ${EXPR_LIMITS.stringLength}`,
    )
  return s
}

/** Refuses a result before building it when its size is known in advance. */
export function checkSize(size: number, what: 'string' | 'array'): void {
  const max = what === 'string' ? EXPR_LIMITS.stringLength : EXPR_LIMITS.arrayLength
  const unit = what === 'string' ? 'characters' : 'elements'
  if (!(size <= max)) throw new ExprError(`${what} of ${size} ${unit} is over the limit of ${max}`)
}

/** Deep equality as expr's `==`: numbers by value, arrays and maps element by element, no conversions. */
export function equal(a: unknown, b: unknown, depth = 0): boolean {
  checkDepth(depth)
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b)
  if (typeof a !== 'object' || typeof b !== 'object') return a === b
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => equal(x, b[i], depth + 1))
  }
  if (!isMap(a) || !isMap(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k], depth + 1))
}

/** Byte order of UTF-8, which is code point order (what Go's string comparison uses). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x < y ? -1 : 1
    if (x > 0xffff) i++
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** Numbers in shortest form; -0 is 0. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new ExprError(`${n} is not a finite number`)
  return Object.is(n, -0) ? '0' : String(n)
}

/** Go's `fmt.Sprintf("%v", v)`: how expr's string() and sprig's toString print a value: `[a 1]`, `map[k:v]`, `<nil>`. */
export function goString(v: unknown): string {
  const out: string[] = []
  let length = 0
  const put = (s: string) => {
    length += s.length
    if (length > EXPR_LIMITS.stringLength)
      throw new ExprError(
        `string of more than ${EXPR_LIMITS.stringLength} characters is over the limit`,
      )
    out.push(s)
  }
  const walk = (x: unknown, depth: number): void => {
    checkDepth(depth)
    if (isNil(x)) put('<nil>')
    else if (typeof x === 'string') put(x)
    else if (typeof x === 'number') put(formatNumber(x))
    else if (typeof x === 'boolean') put(String(x))
    else if (Array.isArray(x)) {
      put('[')
      x.forEach((e, i) => {
        if (i > 0) put(' ')
        walk(e, depth + 1)
      })
      put(']')
    } else if (isMap(x)) {
      put('map[')
      sortedKeys(x).forEach((k, i) => {
        put(i > 0 ? ` ${k}:` : `${k}:`)
        walk(x[k], depth + 1)
      })
      put(']')
    } else throw new ExprError(`cannot print a value of type ${typeName(x)}`)
  }
  walk(v, 0)
  return out.join('')
}

export function sortedKeys(m: ExprMap): string[] {
  return Object.keys(m).sort(compareStrings)
}

/** Go's encoding/json: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped when `html`; `indent` as json.MarshalIndent. */
export function toJsonText(v: unknown, options: { indent?: string; html?: boolean } = {}): string {
  const { indent = '', html = true } = options
  const out: string[] = []
  let length = 0
  const put = (s: string) => {
    length += s.length
    if (length > EXPR_LIMITS.stringLength)
      throw new ExprError(
        `JSON of more than ${EXPR_LIMITS.stringLength} characters is over the limit`,
      )
    out.push(s)
  }
  const str = (s: string) => {
    const json = JSON.stringify(s)
    put(
      html
        ? json.replace(
            /[<>&\u2028\u2029]/g,
            (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
          )
        : json,
    )
  }
  const newline = (depth: number) => {
    if (indent) put(`\n${indent.repeat(depth)}`)
  }
  const walk = (x: unknown, depth: number): void => {
    checkDepth(depth)
    if (isNil(x)) put('null')
    else if (typeof x === 'string') str(x)
    else if (typeof x === 'number') put(formatNumber(x))
    else if (typeof x === 'boolean') put(String(x))
    else if (Array.isArray(x)) {
      if (x.length === 0) return put('[]')
      put('[')
      x.forEach((e, i) => {
        if (i > 0) put(',')
        newline(depth + 1)
        walk(e, depth + 1)
      })
      newline(depth)
      put(']')
    } else if (isMap(x)) {
      const keys = sortedKeys(x)
      if (keys.length === 0) return put('{}')
      put('{')
      keys.forEach((k, i) => {
        if (i > 0) put(',')
        newline(depth + 1)
        str(k)
        put(indent ? ': ' : ':')
        walk(x[k], depth + 1)
      })
      newline(depth)
      put('}')
    } else throw new ExprError(`cannot encode a value of type ${typeName(x)} as JSON`)
  }
  walk(v, 0)
  return out.join('')
}

/** Parses JSON text, refusing nesting past the cap before parsing it. */
export function parseJsonText(text: string, fn: string): ExprValue {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > EXPR_LIMITS.valueDepth)
        throw new ExprError(`${fn}: JSON is nested more than ${EXPR_LIMITS.valueDepth} levels deep`)
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  try {
    return JSON.parse(text) as ExprValue
  } catch (e) {
    throw new ExprError(`${fn}: invalid JSON: ${(e as Error).message.split('\n')[0]}`)
  }
}

// ---- UTF-8: Go's strings are bytes, so len, indexOf and slicing count UTF-8 bytes ----

const ASCII = /^[\x00-\x7f]*$/
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')

export function byteLength(s: string): number {
  return ASCII.test(s) ? s.length : encoder.encode(s).length
}

/** s[from:to] in UTF-8 bytes (a cut inside a character decodes to U+FFFD). */
export function byteSlice(s: string, from: number, to: number): string {
  return ASCII.test(s) ? s.slice(from, to) : decoder.decode(encoder.encode(s).subarray(from, to))
}

/** The byte at a UTF-8 offset, as Go's s[i] gives it. */
export function byteAt(s: string, i: number): number {
  return ASCII.test(s) ? s.charCodeAt(i) : encoder.encode(s)[i]!
}

/** A UTF-16 index turned into a UTF-8 byte offset (-1 stays -1). */
export function byteOffset(s: string, index: number): number {
  return index < 0 ? -1 : byteLength(s.slice(0, index))
}

// ---- base64 (Go's StdEncoding), written out so it runs the same on Node and Workers ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

export function base64Encode(s: string): string {
  const bytes = encoder.encode(s)
  checkSize(Math.ceil(bytes.length / 3) * 4, 'string')
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '='
    out += i + 2 < bytes.length ? B64[n & 63]! : '='
  }
  return out
}

/** Decodes like Go's base64.StdEncoding (newlines skipped, padding required); the error names the bad byte as Go does. */
export function base64Decode(
  s: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const chars: { c: number; at: number }[] = []
  for (let i = 0; i < s.length; i++)
    if (s[i] !== '\n' && s[i] !== '\r') chars.push({ c: s.charCodeAt(i), at: i })
  const bytes: number[] = []
  const bad = (at: number) => ({
    ok: false as const,
    error: `illegal base64 data at input byte ${at}`,
  })
  for (let q = 0; q < chars.length; q += 4) {
    const quad = chars.slice(q, q + 4)
    const vals: number[] = []
    let pad = 0
    for (let j = 0; j < quad.length; j++) {
      const { c, at } = quad[j]!
      if (c === 0x3d && j >= 2) {
        pad = 4 - j
        for (let k = j; k < 4; k++) if (quad[k]?.c !== 0x3d) return bad(quad[k]?.at ?? s.length)
        if (q + 4 < chars.length) return bad(chars[q + 4]!.at)
        break
      }
      const v = B64.indexOf(String.fromCharCode(c))
      if (v < 0) return bad(at)
      vals.push(v)
    }
    if (quad.length < 4 && pad === 0) return bad(s.length)
    const n =
      ((vals[0] ?? 0) << 18) | ((vals[1] ?? 0) << 12) | ((vals[2] ?? 0) << 6) | (vals[3] ?? 0)
    bytes.push((n >> 16) & 255)
    if (pad < 2) bytes.push((n >> 8) & 255)
    if (pad < 1) bytes.push(n & 255)
  }
  return { ok: true, value: decoder.decode(new Uint8Array(bytes)) }
}

// ---- Go's notion of white space (unicode.IsSpace) ----

export const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const TRIM_SPACE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g')
export function trimSpace(s: string): string {
  return s.replace(TRIM_SPACE, '')
}

/** Go's strings.Trim / TrimLeft / TrimRight with a cutset of code points. */
export function trimCutset(s: string, cutset: string, left = true, right = true): string {
  const cut = new Set(Array.from(cutset))
  const chars = Array.from(s)
  let a = 0
  let b = chars.length
  while (left && a < b && cut.has(chars[a]!)) a++
  while (right && b > a && cut.has(chars[b - 1]!)) b--
  return chars.slice(a, b).join('')
}

/** Go's strings.SplitN (n < 0: all; n == 0: none), an empty separator splitting between characters; `after` keeps separators (SplitAfterN). */
export function goSplit(s: string, sep: string, n = -1, after = false): string[] {
  if (n === 0) return []
  if (sep === '') {
    const chars = Array.from(s)
    if (n < 0 || n >= chars.length) return chars
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')]
  }
  const parts: string[] = []
  let start = 0
  while (n < 0 || parts.length < n - 1) {
    const i = s.indexOf(sep, start)
    if (i < 0) break
    parts.push(s.slice(start, after ? i + sep.length : i))
    start = i + sep.length
  }
  parts.push(s.slice(start))
  checkSize(parts.length, 'array')
  return parts
}

/** Go's strings.Replace (n < 0: every occurrence); an empty `old` matches before every character and at the end. */
export function goReplace(s: string, old: string, replacement: string, n = -1): string {
  if (n === 0 || old === replacement) return s
  const pieces = old === '' ? ['', ...Array.from(s), ''] : s.split(old)
  const count = old === '' ? pieces.length - 1 : pieces.length - 1
  const used = n < 0 ? count : Math.min(n, count)
  checkSize(s.length + used * (replacement.length - old.length), 'string')
  if (old === '') {
    const chars = pieces.slice(1, -1)
    let out = ''
    for (let i = 0; i <= chars.length; i++) out += (i < used ? replacement : '') + (chars[i] ?? '')
    return out
  }
  let out = pieces[0]!
  for (let i = 1; i < pieces.length; i++) out += (i <= used ? replacement : old) + pieces[i]!
  return out
}
