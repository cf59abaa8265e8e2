import { EXPR_LIMITS, ExprError, quoted } from './errors.ts'
import { syntaxError, tokenize, WORD_OPERATORS, type Token } from './lexer.ts'

import {
  BINARY,
  COMPARISON,
  UNARY,
  NEGATABLE,
  CANONICAL,
  CLOSURE_ARGS,
  children,
  dottedName,
  type Node,
} from './ast.ts'

export { calls, children, CLOSURE_ARGS, type Node } from './ast.ts'

/** Parses expr-lang source into a tree; syntax errors name the offending token and its 1-based position. */
export function parse(source: string): Node {
  const p = new Parser(tokenize(source), source)
  const node = p.expression(0)
  if (p.current.kind !== 'eof') throw p.unexpected(p.current)
  const stack: [Node, number][] = [[node, 1]] // iterative, so a tall tree cannot overflow the stack here
  while (stack.length > 0) {
    const [n, height] = stack.pop()!
    if (height > EXPR_LIMITS.treeHeight)
      throw new ExprError(
        `expression is more than ${EXPR_LIMITS.treeHeight} operations deep in ${quoted(source)}`,
      )
    for (const child of children(n)) stack.push([child, height + 1])
  }
  return node
}

class Parser {
  #pos = 0
  #depth = 0
  #closures = 0

  constructor(
    readonly tokens: Token[],
    readonly source: string,
  ) {}

  get current(): Token {
    return this.tokens[this.#pos]!
  }

  peek(n = 1): Token {
    return this.tokens[Math.min(this.#pos + n, this.tokens.length - 1)]!
  }

  next(): Token {
    const t = this.current
    if (this.#pos < this.tokens.length - 1) this.#pos++
    return t
  }

  is(kind: Token['kind'], text?: string): boolean {
    return this.current.kind === kind && (text === undefined || this.current.text === text)
  }

  expect(kind: Token['kind'], text: string): Token {
    if (!this.is(kind, text))
      throw this.unexpected(this.current, `expected ${JSON.stringify(text)}`)
    return this.next()
  }

  unexpected(t: Token, hint?: string): ExprError {
    const what = t.kind === 'eof' ? 'end of expression' : JSON.stringify(t.text)
    return syntaxError(`unexpected ${what}`, t.kind === 'eof' ? undefined : t.at, this.source, hint)
  }

  enter(): void {
    if (++this.#depth > EXPR_LIMITS.depth)
      throw new ExprError(
        `expression is nested more than ${EXPR_LIMITS.depth} levels deep in ${quoted(this.source)}`,
      )
  }

  /** Precedence climbing as expr-lang does it: comparisons chain, `??` does not mix, the conditional sits at precedence 0. */
  expression(prec: number): Node {
    this.enter()
    if (prec === 0 && this.is('op', 'let')) return this.letExpression()
    let left = this.primary()
    let previous = ''
    for (;;) {
      let t = this.current
      if (t.kind !== 'op') break
      let negate = false
      if (t.text === 'not') {
        const after = this.peek()
        if (after.kind !== 'op' || !NEGATABLE.has(after.text)) throw this.unexpected(after)
        if (BINARY[after.text]!.prec < prec) break
        negate = true
        this.next()
        t = after
      }
      const op = BINARY[t.text]
      if (op === undefined || op.prec < prec) break
      this.next()
      if (t.text === '|') {
        const name = this.current
        if (name.kind !== 'name') throw this.unexpected(name, 'expected a function after "|"')
        this.next()
        left = this.call(name.text, name.at, [left])
      } else {
        if (previous === '??' && t.text !== '??')
          throw syntaxError(
            `operator ${JSON.stringify(t.text)} and "??" cannot be mixed without parentheses`,
            t.at,
            this.source,
          )
        if (op.prec === COMPARISON) left = this.comparison(left, t, negate)
        else {
          const right = this.expression(op.right ? op.prec : op.prec + 1)
          left = { k: 'binary', op: CANONICAL[t.text] ?? t.text, left, right, at: t.at }
        }
      }
      previous = t.text
    }
    if (prec === 0) left = this.conditional(left)
    this.#depth--
    return left
  }

  /** `a < b <= c` is `a < b && b <= c`; `a not in b` is `!(a in b)`. */
  comparison(left: Node, t: Token, negate: boolean): Node {
    let root: Node | undefined
    for (;;) {
      const right = this.expression(COMPARISON + 1)
      let node: Node = { k: 'binary', op: t.text, left, right, at: t.at }
      if (negate) node = { k: 'unary', op: '!', node, at: t.at }
      root =
        root === undefined ? node : { k: 'binary', op: '&&', left: root, right: node, at: t.at }
      left = right
      const c = this.current
      if (
        c.kind === 'op' &&
        c.text === 'not' &&
        NEGATABLE.has(this.peek().text) &&
        this.peek().kind === 'op'
      ) {
        this.next()
        t = this.next()
        negate = true
      } else if (c.kind === 'op' && BINARY[c.text]?.prec === COMPARISON) {
        t = this.next()
        negate = false
      } else return root
    }
  }

  conditional(test: Node): Node {
    while (this.is('op', '?')) {
      const at = this.next().at
      let then: Node
      if (this.is('op', ':')) {
        this.next()
        then = test // `a ?: b` is `a ? a : b`
      } else {
        then = this.expression(0)
        this.expect('op', ':')
      }
      test = { k: 'conditional', test, then, else: this.expression(0), at }
    }
    return test
  }

  letExpression(): Node {
    const at = this.next().at
    const name = this.current
    if (name.kind !== 'name') throw this.unexpected(name, 'expected a variable name')
    this.next()
    this.expect('op', '=')
    const value = this.expression(0)
    this.expect('op', ';')
    const body = this.expression(0)
    this.#depth--
    return { k: 'let', name: name.text, value, body, at }
  }

  primary(): Node {
    const t = this.current
    const unary = t.kind === 'op' ? UNARY[t.text] : undefined
    if (unary) {
      this.next()
      return { k: 'unary', op: unary.op, node: this.expression(unary.prec), at: t.at }
    }
    if (t.kind === 'bracket' && t.text === '(') {
      this.next()
      const inner = this.expression(0)
      this.expect('bracket', ')')
      return this.postfix(inner)
    }
    if (t.kind === 'op' && (t.text === '#' || t.text === '.')) {
      if (this.#closures === 0)
        throw syntaxError(
          `${JSON.stringify(t.text)} can only be used inside a closure`,
          t.at,
          this.source,
        )
      let name = ''
      if (t.text === '#') {
        this.next()
        if (this.is('name') && this.current.at === t.at + 1) name = this.next().text
        if (name !== '' && name !== 'index' && name !== 'acc')
          throw syntaxError(`unknown closure variable #${name}`, t.at, this.source)
      }
      return this.postfix({ k: 'pointer', name, at: t.at }) // a leading "." stays for postfix: .name is #.name
    }
    return this.postfix(this.secondary())
  }

  secondary(): Node {
    const t = this.next()
    switch (t.kind) {
      case 'name':
        if (t.text === 'true' || t.text === 'false')
          return { k: 'literal', value: t.text === 'true', at: t.at }
        if (t.text === 'nil') return { k: 'literal', value: null, at: t.at }
        if (this.is('bracket', '(')) return this.call(t.text, t.at, [])
        return { k: 'name', name: t.text, at: t.at }
      case 'number':
      case 'string':
        return { k: 'literal', value: t.value, at: t.at }
      case 'bracket':
        if (t.text === '[') return { k: 'array', items: this.list(']'), at: t.at }
        if (t.text === '{') return this.mapLiteral(t.at)
    }
    throw this.unexpected(t)
  }

  /** Comma-separated expressions up to `close`, a trailing comma allowed. */
  list(close: string, items: Node[] = []): Node[] {
    while (!this.is('bracket', close)) {
      items.push(this.expression(0))
      if (!this.is('op', ',')) break
      this.next()
    }
    this.expect('bracket', close)
    return items
  }

  mapLiteral(at: number): Node {
    const entries: [Node, Node][] = []
    while (!this.is('bracket', '}')) {
      const t = this.current
      let key: Node
      if (
        t.kind === 'name' ||
        t.kind === 'number' ||
        t.kind === 'string' ||
        (t.kind === 'op' && WORD_OPERATORS.has(t.text))
      ) {
        this.next()
        key = { k: 'literal', value: t.kind === 'string' ? t.value : t.text, at: t.at }
      } else if (t.kind === 'bracket' && t.text === '(') {
        key = this.primary()
      } else
        throw this.unexpected(
          t,
          'a map key is a name, a number, a quoted string or a parenthesized expression',
        )
      this.expect('op', ':')
      entries.push([key, this.expression(0)])
      if (!this.is('op', ',')) break
      this.next()
    }
    this.expect('bracket', '}')
    return { k: 'map', entries, at }
  }

  /** A call; `leading` holds the piped value. Closure arguments may be written with or without braces. */
  call(name: string, at: number, leading: Node[]): Node {
    const shape = Object.hasOwn(CLOSURE_ARGS, name) ? CLOSURE_ARGS[name] : undefined
    if (shape === undefined) {
      this.expect('bracket', '(')
      return { k: 'call', name, args: this.list(')', leading), at }
    }
    this.expect('bracket', '(')
    const args = [...leading]
    for (const [i, kind] of shape.entries()) {
      if (i < leading.length) continue
      if (kind.endsWith('?') && this.is('bracket', ')')) break
      if (i > leading.length) this.expect('op', ',')
      if (!kind.startsWith('c')) {
        args.push(this.expression(0))
        continue
      }
      const start = this.current.at
      const braced = this.is('bracket', '{')
      if (braced) this.next()
      this.#closures++
      const body = this.expression(0)
      this.#closures--
      if (braced) this.expect('bracket', '}')
      args.push({ k: 'closure', body, at: start })
    }
    if (this.is('op', ',')) this.next()
    this.expect('bracket', ')')
    return { k: 'call', name, args, at }
  }

  postfix(node: Node): Node {
    let optional = false
    for (;;) {
      const t = this.current
      if (t.kind === 'op' && (t.text === '.' || t.text === '?.')) {
        this.next()
        const isOptional = t.text === '?.'
        optional ||= isOptional
        if (isOptional && this.is('bracket', '[')) {
          node = this.index(node, true)
          continue
        }
        const p = this.current
        if (p.kind !== 'name' && !(p.kind === 'op' && WORD_OPERATORS.has(p.text)))
          throw this.unexpected(p, 'expected a name')
        this.next()
        if (this.is('bracket', '(')) {
          node = this.call(`${dottedName(node) ?? '(expression)'}.${p.text}`, node.at, [])
          continue
        }
        node = {
          k: 'member',
          object: node,
          property: { k: 'literal', value: p.text, at: p.at },
          optional: isOptional,
          at: p.at,
        }
      } else if (t.kind === 'bracket' && t.text === '[') node = this.index(node, false)
      else break
    }
    return optional ? { k: 'chain', node, at: node.at } : node
  }

  index(object: Node, optional: boolean): Node {
    const at = this.expect('bracket', '[').at
    let from: Node | undefined
    if (!this.is('op', ':')) {
      from = this.expression(0)
      if (!this.is('op', ':')) {
        this.expect('bracket', ']')
        return { k: 'member', object, property: from, optional, at }
      }
    }
    this.next() // ':'
    const to = this.is('bracket', ']') ? undefined : this.expression(0)
    this.expect('bracket', ']')
    return { k: 'slice', object, from, to, at }
  }
}
