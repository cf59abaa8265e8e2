/**
 * Argo Workflows' expression tags, `{{=…}}`: the expr-lang language (github.com/expr-lang/expr) with Argo's
 * additions (asInt, asFloat, toJson, jsonpath, sprig.*), as a pure and deterministic evaluator that runs the same
 * on Node and on Cloudflare Workers (no eval, no Node APIs, no clock, no network).
 *
 * Parser: a small precedence-climbing (Pratt) parser of our own (lexer.ts, parser.ts), not jsep. expr-lang is not
 * JavaScript: closures with `#`, `#index` and `.field`, word operators (`not in`, `matches`, `startsWith`),
 * chained comparisons, `??` that refuses to mix, `?.`, slices, `..` ranges and the pipe `|` would each need a
 * jsep plugin or a hook overriding its grammar, and the result would still parse JavaScript we must refuse.
 * Following expr's own precedence table directly is shorter and exact.
 * Regular expressions (`matches`, sprig.regexMatch) use re2js, a pure-JavaScript port of RE2: Go's regexp
 * syntax, and matching in linear time, so a hostile pattern cannot hang the hook.
 *
 * Typing follows expr-lang where it shows: no implicit conversions (`'5' == 5` is false, `'5' + 1` is an error),
 * `/` always divides as floats, `%` needs ints, `and`/`or`/`!`/`?:` need bools. Numbers are JavaScript numbers, so
 * an int and a float of the same value are the same number. Strings index, slice and measure (len, indexOf) in
 * UTF-8 bytes, as Go does.
 *
 * Safety: sources are capped at EXPR_LIMITS.sourceLength characters and EXPR_LIMITS.depth levels of nesting; an
 * evaluation has a step budget and an allocation budget, and no string or array it makes may pass its cap. Only
 * own keys of plain data are reachable (`constructor`, `__proto__`, `toString` are just missing keys).
 */
import { EXPR_LIMITS, ExprError, tag, UnknownVariableError } from './errors.ts'
import { Evaluator, FUNCTIONS } from './eval.ts'
import { NONDETERMINISTIC, regex } from './functions.ts'
import { calls, children, CLOSURE_ARGS, parse, type Node } from './parser.ts'
import { formatNumber, isNil, toJsonText, type ExprValue } from './values.ts'

export { ExprError, EXPR_LIMITS, UnknownVariableError }
export type { ExprValue }

/** A parsed expression: its source and its tree. */
export interface Expr {
  readonly source: string
  /** @internal */
  readonly tree: Node
}

/** Every function an expression may call, closure functions included. */
export const SUPPORTED_FUNCTIONS: readonly string[] = Object.freeze(
  [...new Set([...Object.keys(FUNCTIONS), ...Object.keys(CLOSURE_ARGS)])].sort(),
)

function arity(name: string): { min: number; max: number } {
  if (Object.hasOwn(CLOSURE_ARGS, name)) {
    const shape = CLOSURE_ARGS[name]!
    return { min: shape.filter((a) => !a.endsWith('?')).length, max: shape.length }
  }
  return FUNCTIONS[name]!
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * Parses an expression and checks it as far as possible before it runs: syntax, every function name and its
 * number of arguments, non-deterministic functions, and regular expressions written as literals.
 */
export function parseExpr(source: string): Expr {
  const tree = parse(source)
  for (const c of calls(tree)) {
    if (NONDETERMINISTIC.has(c.name)) {
      throw new ExprError(
        `function ${JSON.stringify(c.name)} is not deterministic (it depends on the clock, randomness, the host or the network) and is refused in ${tag(source)}`,
      )
    }
    if (!Object.hasOwn(FUNCTIONS, c.name) && !Object.hasOwn(CLOSURE_ARGS, c.name))
      throw new ExprError(`unknown function ${JSON.stringify(c.name)} in ${tag(source)}`)
    const { min, max } = arity(c.name)
    if (c.argc < min || c.argc > max) {
      const want =
        min === max
          ? plural(min, 'argument')
          : max === Infinity
            ? `at least ${plural(min, 'argument')}`
            : `${min} to ${max} arguments`
      throw new ExprError(`${c.name} takes ${want}, not ${c.argc}, in ${tag(source)}`)
    }
    const pattern = c.name === 'sprig.regexMatch' ? c.args[0] : undefined
    if (pattern?.k === 'literal' && typeof pattern.value === 'string')
      checkRegex(pattern.value, c.name, source)
  }
  const visit = (n: Node): void => {
    if (
      n.k === 'binary' &&
      n.op === 'matches' &&
      n.right.k === 'literal' &&
      typeof n.right.value === 'string'
    )
      checkRegex(n.right.value, 'matches', source)
    children(n).forEach(visit)
  }
  visit(tree)
  return Object.freeze({ source, tree })
}

function checkRegex(pattern: string, where: string, source: string): void {
  try {
    regex(pattern, where)
  } catch (e) {
    throw new ExprError(`${(e as Error).message} in ${tag(source)}`)
  }
}

/** The functions an expression calls, each once, in the order they first appear. */
export function functionsUsed(expr: Expr): string[] {
  return [...new Set(calls(expr.tree).map((c) => c.name))]
}

function run(evaluator: Evaluator, expr: Expr): ExprValue {
  try {
    return evaluator.evaluate(expr.tree)
  } catch (e) {
    if (e instanceof UnknownVariableError)
      throw new UnknownVariableError(e.path, ` in ${tag(expr.source)}`)
    if (e instanceof ExprError) throw new ExprError(`${e.message} in ${tag(expr.source)}`)
    throw e
  }
}

/**
 * Evaluates a parsed expression. `env` is flat, with Argo's dotted names (`inputs.parameters.x`,
 * `steps.flip-coin.outputs.result`, `item`); `inputs.parameters['my-param']` reads the same key.
 */
export function evaluate(expr: Expr, env: Record<string, ExprValue>): ExprValue {
  return run(new Evaluator(env), expr)
}

/** A value as Argo writes it into text: strings as they are, numbers in shortest form, bools, arrays and maps as compact JSON. */
export function render(v: ExprValue, expr: Expr): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'boolean') return String(v)
  if (isNil(v)) throw new ExprError(`${tag(expr.source)} evaluated to nil`)
  return toJsonText(v)
}

/** The index of the `}}` that closes a tag whose expression starts at `from`: outside strings and braces. */
export function tagEnd(text: string, start: number): number {
  let depth = 0
  let quote = ''
  const from = start + 3
  for (let j = from; j < text.length; j++) {
    if (j - from > EXPR_LIMITS.sourceLength) break
    const c = text[j]!
    if (quote) {
      if (c === '\\' && quote !== '`') j++
      else if (c === quote) quote = ''
    } else if (c === '"' || c === "'" || c === '`') quote = c
    else if (c === '{') depth++
    else if (c === '}') {
      if (depth === 0 && text[j + 1] === '}') return j
      if (depth > 0) depth--
    }
  }
  const found = text.indexOf('}}', from)
  if (found >= 0 && found - from > EXPR_LIMITS.sourceLength)
    throw new ExprError(
      `expression of more than ${EXPR_LIMITS.sourceLength} characters at ${start + 1} is over the limit`,
    )
  throw new ExprError(`unterminated expression tag "{{=" at ${start + 1} (no matching "}}")`)
}

/**
 * Replaces every {{=expr}} in text with its value rendered as Argo does (strings as-is, numbers in shortest form,
 * bool as true/false, objects/arrays as compact JSON). All tags share one evaluation budget.
 */
export function substituteExpressions(text: string, env: Record<string, ExprValue>): string {
  const evaluator = new Evaluator(env)
  let out = ''
  let i = 0
  for (;;) {
    const start = text.indexOf('{{=', i)
    if (start < 0) break
    const end = tagEnd(text, start)
    const expr = parseExpr(text.slice(start + 3, end))
    out += text.slice(i, start) + render(run(evaluator, expr), expr)
    if (out.length > EXPR_LIMITS.outputLength)
      throw new ExprError(
        `substituted text of more than ${EXPR_LIMITS.outputLength} characters is over the limit`,
      )
    i = end + 2
  }
  return out + text.slice(i)
}
