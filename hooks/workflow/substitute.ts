import { evaluate, ExprError, parseExpr, render, tagEnd, type ExprValue } from './expr/index.ts'

/**
 * Argo's template tags, in one pass over the text: `{{name}}` is a variable, `{{=expr}}` an
 * expression (expr/). A value substituted in is never read again, so a step's output that holds
 * `{{…}}` stays text.
 */

/** What a text can see: one variable by name, or all of them as an expression's environment. */
export interface Variables {
  get(name: string): string | undefined
  env(): Record<string, ExprValue>
}

export class UnresolvedError extends Error {
  override name = 'UnresolvedError'
}

/** `{{ name }}` references in a text, in order (expression tags not included). */
export function references(text: string): string[] {
  return tags(text)
    .filter((t) => !t.expression)
    .map((t) => t.body.trim())
}

/** `{{=expr}}` sources in a text, in order. */
export function expressions(text: string): string[] {
  return tags(text)
    .filter((t) => t.expression)
    .map((t) => t.body)
}

interface Tag {
  start: number
  end: number
  body: string
  expression: boolean
}

function tags(text: string): Tag[] {
  const out: Tag[] = []
  let i = 0
  for (;;) {
    const start = text.indexOf('{{', i)
    if (start < 0) return out
    if (text[start + 2] === '=') {
      const close = tagEnd(text, start)
      out.push({ start, end: close + 2, body: text.slice(start + 3, close), expression: true })
      i = close + 2
      continue
    }
    const m = /^\{\{\s*([^{}]+?)\s*\}\}/.exec(text.slice(start))
    if (m) {
      out.push({ start, end: start + m[0].length, body: m[1]!, expression: false })
      i = start + m[0].length
    } else i = start + 2
  }
}

/** Replaces every tag; an unknown name throws UnresolvedError, a failing expression ExprError. */
export function substitute(
  text: string,
  vars: Variables | ((name: string) => string | undefined),
): string {
  if (!text.includes('{{')) return text
  const v: Variables = typeof vars === 'function' ? { get: vars, env: () => ({}) } : vars
  let env: Record<string, ExprValue> | undefined
  let out = ''
  let at = 0
  for (const tag of tags(text)) {
    out += text.slice(at, tag.start)
    if (tag.expression) {
      const expr = parseExpr(tag.body)
      env ??= v.env()
      out += render(evaluate(expr, env), expr)
    } else {
      const value = v.get(tag.body.trim())
      if (value === undefined) throw new UnresolvedError(`cannot resolve {{${tag.body.trim()}}}`)
      out += value
    }
    at = tag.end
  }
  return out + text.slice(at)
}

/** A text that cannot be filled in: an unknown variable or a failing expression (the node is an Error naming it). */
export function isSubstitutionError(error: unknown): error is Error {
  return error instanceof UnresolvedError || error instanceof ExprError
}
