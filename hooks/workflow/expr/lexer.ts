import { EXPR_LIMITS, ExprError, quoted } from './errors.ts'

export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'bracket' | 'eof'

/** `at` is the 0-based offset in the source; `value` is a literal's value. */
export interface Token {
  kind: TokenKind
  text: string
  at: number
  value?: string | number
}

/** Words that are operators in expr-lang; anything else that looks like a word is a name. */
export const WORD_OPERATORS = new Set([
  'not',
  'in',
  'and',
  'or',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'let',
])

const SYMBOLS = [
  '**',
  '??',
  '?.',
  '..',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '::',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '<',
  '>',
  '!',
  '?',
  ':',
  ',',
  '.',
  '#',
  '|',
  ';',
  '=',
]
const NAME_START = /[\p{L}_$]/u
const NAME_PART = /[\p{L}\p{N}_$]/u
const DIGIT = /[0-9]/

/** `unexpected ")" at 7 (expected …) in "…"`: positions are 1-based. */
export function syntaxError(
  message: string,
  at: number | undefined,
  source: string,
  hint?: string,
): ExprError {
  return new ExprError(
    `${message}${at === undefined ? '' : ` at ${at + 1}`}${hint ? ` (${hint})` : ''} in ${quoted(source)}`,
  )
}

/** Splits an expression into tokens, refusing one longer than EXPR_LIMITS.sourceLength. */
export function tokenize(source: string): Token[] {
  if (source.length > EXPR_LIMITS.sourceLength) {
    throw new ExprError(
      `expression of ${source.length} characters is over the limit of ${EXPR_LIMITS.sourceLength} in ${quoted(source)}`,
    )
  }
  const tokens: Token[] = []
  let i = 0
  const fail = (message: string, at = i): never => {
    throw syntaxError(message, at, source)
  }
  while (i < source.length) {
    const ch = source[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i)
      i = end < 0 ? source.length : end
      continue
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) fail('unterminated comment')
      i = end + 2
      continue
    }
    const prev = tokens[tokens.length - 1]
    const afterValue =
      prev !== undefined &&
      (prev.kind === 'name' ||
        prev.kind === 'number' ||
        prev.kind === 'string' ||
        (prev.kind === 'bracket' && ')]}'.includes(prev.text)))
    if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(source[i + 1] ?? '') && !afterValue)) {
      const { value, end } = readNumber(source, i, fail)
      tokens.push({ kind: 'number', text: source.slice(i, end), at: i, value })
      i = end
      continue
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const { value, end } = ch === '`' ? readRaw(source, i, fail) : readQuoted(source, i, fail)
      tokens.push({ kind: 'string', text: source.slice(i, end), at: i, value })
      i = end
      continue
    }
    if (NAME_START.test(ch)) {
      let end = i + 1
      while (end < source.length && NAME_PART.test(source[end]!)) end++
      const word = source.slice(i, end)
      tokens.push({ kind: WORD_OPERATORS.has(word) ? 'op' : 'name', text: word, at: i })
      i = end
      continue
    }
    if ('()[]{}'.includes(ch)) {
      tokens.push({ kind: 'bracket', text: ch, at: i })
      i++
      continue
    }
    const symbol = SYMBOLS.find(
      (s) => source.startsWith(s, i) && !(s === '?.' && DIGIT.test(source[i + 2] ?? '')),
    )
    if (symbol === undefined) fail(`unexpected ${JSON.stringify(ch)}`)
    tokens.push({ kind: 'op', text: symbol!, at: i })
    i += symbol!.length
  }
  tokens.push({ kind: 'eof', text: '', at: source.length })
  return tokens
}

function readNumber(
  source: string,
  start: number,
  fail: (m: string, at?: number) => never,
): { value: number; end: number } {
  const rest = source.slice(start)
  const prefixed = /^0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)/.exec(rest)
  let text: string
  let value: number
  if (prefixed) {
    text = prefixed[0]
    const digits = text.slice(2).replace(/_/g, '')
    const radix = { x: 16, o: 8, b: 2 }[text[1]!.toLowerCase() as 'x' | 'o' | 'b']
    value = digits === '' ? NaN : parseInt(digits, radix)
  } else {
    // digits, then a fraction only when a digit follows the dot (so 1..3 is a range), then an exponent
    const m = /^(?:[0-9][0-9_]*)?(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?/.exec(rest)!
    text = m[0]
    value = Number(text.replace(/_/g, ''))
  }
  const end = start + text.length
  if (end < source.length && NAME_PART.test(source[end]!))
    fail(`invalid number literal ${JSON.stringify(source.slice(start, end + 1))}`, start)
  if (!Number.isFinite(value)) fail(`invalid number literal ${JSON.stringify(text)}`, start)
  if (Number.isInteger(value) && !/[.eE]/.test(text) && !Number.isSafeInteger(value))
    fail('integer literal is too large', start)
  return { value, end }
}

function readRaw(
  source: string,
  start: number,
  fail: (m: string, at?: number) => never,
): { value: string; end: number } {
  const end = source.indexOf('`', start + 1)
  if (end < 0) fail('unterminated string', start)
  return { value: source.slice(start + 1, end), end: end + 1 }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

/** A quoted string with Go's escapes: \n \t \\ \' \" \a \b \f \r \v, \xHH, \ooo, \uHHHH, \UHHHHHHHH. */
function readQuoted(
  source: string,
  start: number,
  fail: (m: string, at?: number) => never,
): { value: string; end: number } {
  const quote = source[start]!
  let out = ''
  let i = start + 1
  while (i < source.length) {
    const ch = source[i]!
    if (ch === quote) return { value: out, end: i + 1 }
    if (ch !== '\\') {
      out += ch
      i++
      continue
    }
    const e = source[i + 1] ?? ''
    if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      out += SIMPLE_ESCAPES[e]
      i += 2
      continue
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (hex > 0) {
      const digits = source.slice(i + 2, i + 2 + hex)
      const code =
        /^[0-9a-fA-F]+$/.test(digits) && digits.length === hex ? parseInt(digits, 16) : NaN
      if (!(code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff))
        fail('invalid escape in string', i)
      out += String.fromCodePoint(code)
      i += 2 + hex
      continue
    }
    if (/^[0-7]{3}$/.test(source.slice(i + 1, i + 4))) {
      const code = parseInt(source.slice(i + 1, i + 4), 8)
      if (code > 255) fail('invalid escape in string', i)
      out += String.fromCharCode(code)
      i += 4
      continue
    }
    fail('invalid escape in string', i)
  }
  return fail('unterminated string', start)
}
