/**
 * The two small languages of a workflow, parsed into trees so a bad expression is a 422 at
 * validation and evaluation is a pure walk.
 *
 * `depends`:  task.Succeeded && (other.Failed || !third.Skipped), a bare `task` meaning
 *             task.Succeeded || task.Skipped || task.Daemoned.
 * `when`:     a govaluate-like subset after {{…}} substitution: == != < > <= >= =~ !~, && || !,
 *             parentheses, 'quoted' or "quoted" strings, numbers, true/false; bare words are strings.
 */

export class ExpressionError extends Error {
  override name = 'ExpressionError'
}

export const DEPENDS_RESULTS = [
  'Succeeded',
  'Failed',
  'Errored',
  'Skipped',
  'Omitted',
  'Daemoned',
  'AnySucceeded',
  'AllFailed',
] as const
export type DependsResult = (typeof DEPENDS_RESULTS)[number]

export type DependsExpr =
  | { op: 'ref'; task: string; result?: DependsResult }
  | { op: 'not'; expr: DependsExpr }
  | { op: 'and' | 'or'; left: DependsExpr; right: DependsExpr }

type Token = { kind: 'op' | 'word' | 'string' | 'number'; text: string; at: number }

function tokenize(input: string, words: RegExp): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const ch = input[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const two = input.slice(i, i + 2)
    if (['&&', '||', '==', '!=', '<=', '>=', '=~', '!~'].includes(two)) {
      tokens.push({ kind: 'op', text: two, at: i })
      i += 2
    } else if ('()!<>'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, at: i })
      i++
    } else if (ch === "'" || ch === '"') {
      const end = input.indexOf(ch, i + 1)
      if (end < 0) throw new ExpressionError(`unterminated string at ${i + 1}`)
      tokens.push({ kind: 'string', text: input.slice(i + 1, end), at: i })
      i = end + 1
    } else {
      words.lastIndex = i
      const m = words.exec(input)
      if (!m || m.index !== i || m[0] === '')
        throw new ExpressionError(`unexpected "${ch}" at ${i + 1}`)
      tokens.push({ kind: /^-?\d+(\.\d+)?$/.test(m[0]) ? 'number' : 'word', text: m[0], at: i })
      i += m[0].length
    }
  }
  return tokens
}

class Parser<T> {
  #i = 0
  constructor(
    readonly tokens: Token[],
    readonly source: string,
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.#i]
  }
  next(): Token {
    const t = this.tokens[this.#i++]
    if (!t) throw new ExpressionError(`unexpected end of "${this.source}"`)
    return t
  }
  accept(text: string): boolean {
    if (this.peek()?.kind === 'op' && this.peek()!.text === text) {
      this.#i++
      return true
    }
    return false
  }
  /** `next (op next)*`, folded to the left. */
  binary(op: string, next: () => T, make: (left: T, right: T) => T): T {
    let left = next()
    while (this.accept(op)) left = make(left, next())
    return left
  }
  /** `'!' self | '(' expr ')' | primary` — the shared bottom of both grammars. */
  prefix(self: () => T, expr: () => T, not: (inner: T) => T, primary: () => T): T {
    if (this.accept('!')) return not(self())
    if (this.accept('(')) {
      const inner = expr()
      if (!this.accept(')')) throw new ExpressionError(`missing ")" in "${this.source}"`)
      return inner
    }
    return primary()
  }
  done(value: T): T {
    const t = this.peek()
    if (t) throw new ExpressionError(`unexpected "${t.text}" at ${t.at + 1} in "${this.source}"`)
    return value
  }
}

export function parseDepends(source: string): DependsExpr {
  const p = new Parser<DependsExpr>(tokenize(source, /[A-Za-z0-9_.-]+/y), source)
  const or = (): DependsExpr => p.binary('||', and, (left, right) => ({ op: 'or', left, right }))
  const and = (): DependsExpr =>
    p.binary('&&', unary, (left, right) => ({ op: 'and', left, right }))
  const unary = (): DependsExpr =>
    p.prefix(
      unary,
      or,
      (expr) => ({ op: 'not', expr }),
      () => {
        const t = p.next()
        if (t.kind !== 'word' && t.kind !== 'number')
          throw new ExpressionError(`expected a task at ${t.at + 1} in "${source}"`)
        const dot = t.text.lastIndexOf('.')
        if (dot < 0) return { op: 'ref', task: t.text }
        const result = t.text.slice(dot + 1)
        if (!(DEPENDS_RESULTS as readonly string[]).includes(result))
          throw new ExpressionError(
            `unknown result "${result}" (expected ${DEPENDS_RESULTS.join(', ')})`,
          )
        return { op: 'ref', task: t.text.slice(0, dot), result: result as DependsResult }
      },
    )
  return p.done(or())
}

export function dependsTasks(expr: DependsExpr, out = new Set<string>()): Set<string> {
  if (expr.op === 'ref') out.add(expr.task)
  else if (expr.op === 'not') dependsTasks(expr.expr, out)
  else {
    dependsTasks(expr.left, out)
    dependsTasks(expr.right, out)
  }
  return out
}

export function evalDepends(
  expr: DependsExpr,
  has: (task: string, result: DependsResult) => boolean,
): boolean {
  switch (expr.op) {
    case 'ref':
      return expr.result
        ? has(expr.task, expr.result)
        : has(expr.task, 'Succeeded') || has(expr.task, 'Skipped') || has(expr.task, 'Daemoned')
    case 'not':
      return !evalDepends(expr.expr, has)
    case 'and':
      return evalDepends(expr.left, has) && evalDepends(expr.right, has)
    case 'or':
      return evalDepends(expr.left, has) || evalDepends(expr.right, has)
  }
}

type Value = string | number | boolean
type WhenExpr =
  | { op: 'lit'; value: Value }
  | { op: 'not'; expr: WhenExpr }
  | { op: string; left: WhenExpr; right: WhenExpr }

export function parseWhen(source: string): WhenExpr {
  const p = new Parser<WhenExpr>(tokenize(source, /[^\s()!=<>&|'"~]+/y), source)
  const or = (): WhenExpr => p.binary('||', and, (left, right) => ({ op: '||', left, right }))
  const and = (): WhenExpr => p.binary('&&', cmp, (left, right) => ({ op: '&&', left, right }))
  const cmp = (): WhenExpr => {
    const left = unary()
    for (const op of ['==', '!=', '<=', '>=', '=~', '!~', '<', '>'])
      if (p.accept(op)) return { op, left, right: unary() }
    return left
  }
  const unary = (): WhenExpr =>
    p.prefix(
      unary,
      or,
      (expr) => ({ op: 'not', expr }),
      () => {
        const t = p.next()
        if (t.kind === 'op')
          throw new ExpressionError(`unexpected "${t.text}" at ${t.at + 1} in "${source}"`)
        if (t.kind === 'number') return { op: 'lit', value: Number(t.text) }
        if (t.kind === 'word' && (t.text === 'true' || t.text === 'false'))
          return { op: 'lit', value: t.text === 'true' }
        return { op: 'lit', value: t.text }
      },
    )
  return p.done(or())
}

function truthy(v: Value): boolean {
  return v === true || v === 'true'
}

export function evalWhen(expr: WhenExpr): Value {
  if (expr.op === 'lit') return (expr as { value: Value }).value
  if (expr.op === 'not') return !truthy(evalWhen((expr as { expr: WhenExpr }).expr))
  const { left, right } = expr as { left: WhenExpr; right: WhenExpr }
  if (expr.op === '&&') return truthy(evalWhen(left)) && truthy(evalWhen(right))
  if (expr.op === '||') return truthy(evalWhen(left)) || truthy(evalWhen(right))
  const a = evalWhen(left)
  const b = evalWhen(right)
  const numeric = typeof a === 'number' && typeof b === 'number'
  switch (expr.op) {
    case '==':
      return numeric ? a === b : String(a) === String(b)
    case '!=':
      return numeric ? a !== b : String(a) !== String(b)
    case '<':
      return numeric ? a < b : String(a) < String(b)
    case '>':
      return numeric ? a > b : String(a) > String(b)
    case '<=':
      return numeric ? a <= b : String(a) <= String(b)
    case '>=':
      return numeric ? a >= b : String(a) >= String(b)
    case '=~':
    case '!~': {
      let re: RegExp
      try {
        re = new RegExp(String(b))
      } catch {
        throw new ExpressionError(`bad regular expression ${JSON.stringify(String(b))}`)
      }
      return re.test(String(a)) === (expr.op === '=~')
    }
  }
  throw new ExpressionError(`unknown operator ${expr.op}`)
}

/** Parses and evaluates a `when` after substitution; true means "run". */
export function whenHolds(source: string): boolean {
  return truthy(evalWhen(parseWhen(source)))
}
