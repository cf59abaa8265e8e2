import * as z from 'zod'

/**
 * Error messages quote input, and Metacontroller copies every error body into a Kubernetes Event:
 * each quoted piece is escaped (one line, printable) and cut short.
 */

/** Characters that would break a one-line message or hide what it says: controls, format (bidi) characters, line and paragraph separators, unassigned and private-use code points, lone surrogates. */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/gu

function escapeChar(ch: string): string {
  if (ch === '\n') return '\\n'
  if (ch === '\r') return '\\r'
  if (ch === '\t') return '\\t'
  let out = ''
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`
  return out
}

const ANY_UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u

/** Whether `text` is one line of printable characters (what every error body must be). */
export function isPrintableLine(text: string): boolean {
  return !ANY_UNPRINTABLE.test(text)
}

/** `text` with every unprintable character written as an escape (`\n`, `\u202e`), so it stays one printable line. */
export function printable(text: string): string {
  return isPrintableLine(text) ? text : text.replace(UNPRINTABLE, escapeChar)
}

/** Input quoted in an error message or log line: cut short, then escaped. */
export function clip(text: string, max = 100): string {
  return printable(text.length > max ? `${text.slice(0, max)}…` : text)
}

/** Input quoted in double quotes, cut short and escaped: `"a\nb"`. */
export function quote(text: string, max = 100): string {
  return `"${clip(text, max).replace(/"/g, '\\"')}"`
}

/** Keys printed bare in an issue path (`metadata.labels.app.kubernetes.io/name`); any other key is quoted. */
const PLAIN_KEY = /^[\w$.\/:@~+-]+$/

/** A path segment of a zod issue: `.name`, `[3]`, or `["a key\n"]` for keys from the input that are not plain. */
function pathSegment(p: PropertyKey): string {
  if (typeof p === 'number') return `[${p}]`
  const key = String(p)
  return PLAIN_KEY.test(key) && key.length <= 100 ? `.${key}` : `[${quote(key, 63)}]`
}

/** One line per zod issue: `path: message`, capped so error bodies stay short. */
export function formatIssues(error: z.ZodError, prefix = '', max = 8): string[] {
  const lines = error.issues.slice(0, max).map((issue) => {
    const path = `${prefix}${issue.path.map(pathSegment).join('')}`.replace(/^\./, '')
    return path ? `${path}: ${printable(issue.message)}` : printable(issue.message)
  })
  if (error.issues.length > max) lines.push(`… and ${error.issues.length - max} more`)
  return lines
}

/** Past this many JSON values, a failed parse reports only the first problem zod finds. */
export const FULL_REPORT_VALUES = 10_000

/** Whether `value` holds more than `limit` values (objects, arrays and scalars), counted without recursion and stopping at the limit. */
function holdsMoreThan(value: unknown, limit: number): boolean {
  const stack: unknown[] = [value]
  let seen = 0
  while (stack.length > 0) {
    if (++seen > limit) return true
    const v = stack.pop()
    if (typeof v === 'object' && v !== null) for (const child of Object.values(v)) stack.push(child)
  }
  return false
}

/**
 * `schema.safeParse(value)` whose failure costs at most a bounded number of issues. zod collects
 * an issue for every failing element, so a 16 MiB array of `{}` where objects with required fields
 * belong made ~20 million issues (3.7 GiB, 40 s) before a 422. zod's own `validate` (compiled, and
 * stopping at the first problem) decides; a valid value is then parsed as usual, and an invalid one
 * is parsed for every problem only when it is small enough to report in full (else up to the first,
 * with zod's abortEarly — which is several times slower on success, so it is not the first try).
 */
export function safeParseBounded<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  const fast = compiled(schema)
  if (fast.validate(value)) return fast.safeParse(value)
  return failureBounded(schema, value)
}

const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>()

/**
 * The schema with zod's generated fast path (`z.compile`: the same answers, several times faster on
 * a large value such as a 10,000-task workflow), made once per schema. Where code cannot be
 * generated (Workers forbid `new Function`) or a schema cannot be compiled, z.compile hands back
 * the schema itself.
 */
function compiled<S extends z.ZodType>(schema: S): S {
  let fast = compiledSchemas.get(schema)
  if (fast === undefined) {
    fast = z.compile(schema)
    compiledSchemas.set(schema, fast)
  }
  return fast as S
}

function failureBounded<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  if (holdsMoreThan(value, FULL_REPORT_VALUES))
    return schema.safeParse(value, { abortEarly: true } as z.core.ParseContext<z.core.$ZodIssue>)
  return schema.safeParse(value)
}

/** Whether `value` passes `schema` (undefined), or its bounded failure: for checks whose parsed value is not used. */
export function checkBounded(schema: z.ZodType, value: unknown): z.ZodError | undefined {
  if (compiled(schema).validate(value)) return undefined
  const failed = failureBounded(schema, value)
  return failed.success ? undefined : failed.error
}

/** `schema.parse(value)` with the bounded failure of `safeParseBounded` (throws the ZodError). */
export function parseBounded<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = safeParseBounded(schema, value)
  if (!parsed.success) throw parsed.error
  return parsed.data
}
