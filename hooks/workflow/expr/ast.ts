// The expression tree: its nodes, the operator tables the parser reads them with, and walks over
// a parsed tree (the calls it makes, a node's children).
import type { ExprValue } from './values.ts'

/** The tree of one expression; `at` is the 0-based offset of the token that made the node. */
export type Node =
  | { k: 'literal'; value: ExprValue; at: number }
  | { k: 'name'; name: string; at: number }
  | { k: 'pointer'; name: string; at: number } // # (name ''), #index, #acc inside a closure
  | { k: 'member'; object: Node; property: Node; optional: boolean; at: number }
  | { k: 'slice'; object: Node; from?: Node; to?: Node; at: number }
  | { k: 'chain'; node: Node; at: number } // ends an optional chain: a nil short-circuit becomes nil here
  | { k: 'unary'; op: '!' | '-' | '+'; node: Node; at: number }
  | { k: 'binary'; op: string; left: Node; right: Node; at: number }
  | { k: 'conditional'; test: Node; then: Node; else: Node; at: number }
  | { k: 'array'; items: Node[]; at: number }
  | { k: 'map'; entries: [Node, Node][]; at: number }
  | { k: 'call'; name: string; args: Node[]; at: number }
  | { k: 'closure'; body: Node; at: number }
  | { k: 'let'; name: string; value: Node; body: Node; at: number }

/** Binary operators with expr-lang's precedence; `right` marks right associativity. Comparisons are 20. */
export const BINARY: Record<string, { prec: number; right?: boolean }> = {
  '|': { prec: 0 },
  ...{ or: { prec: 10 }, '||': { prec: 10 }, and: { prec: 15 }, '&&': { prec: 15 } },
  ...Object.fromEntries(
    ['==', '!=', '<', '>', '<=', '>=', 'in', 'matches', 'contains', 'startsWith', 'endsWith'].map(
      (op) => [op, { prec: 20 }],
    ),
  ),
  ...{
    '..': { prec: 25 },
    '+': { prec: 30 },
    '-': { prec: 30 },
    '*': { prec: 60 },
    '/': { prec: 60 },
    '%': { prec: 60 },
  },
  ...{ '**': { prec: 100, right: true }, '^': { prec: 100, right: true }, '??': { prec: 500 } },
}
export const COMPARISON = 20
export const UNARY: Record<string, { op: '!' | '-' | '+'; prec: number }> = {
  not: { op: '!', prec: 50 },
  '!': { op: '!', prec: 50 },
  '-': { op: '-', prec: 90 },
  '+': { op: '+', prec: 90 },
}
export const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith'])
export const CANONICAL: Record<string, string> = { and: '&&', or: '||', '^': '**' }

/** Functions whose arguments include a closure: e = expression, c = closure, ? = optional. */
export const CLOSURE_ARGS: Record<string, string[]> = {
  ...Object.fromEntries(
    [
      'all',
      'none',
      'any',
      'one',
      'filter',
      'map',
      'find',
      'findIndex',
      'findLast',
      'findLastIndex',
      'groupBy',
    ].map((f) => [f, ['e', 'c']]),
  ),
  ...{ count: ['e', 'c?'], sum: ['e', 'c?'], sortBy: ['e', 'c', 'e?'], reduce: ['e', 'c', 'e?'] },
}

/** `sprig.upper` for the callee of `sprig.upper(x)`; undefined when the callee is not a plain dotted name. */
export function dottedName(node: Node): string | undefined {
  if (node.k === 'name') return node.name
  if (
    node.k === 'member' &&
    node.property.k === 'literal' &&
    typeof node.property.value === 'string'
  ) {
    const base = dottedName(node.object)
    return base === undefined ? undefined : `${base}.${node.property.value}`
  }
  return undefined
}

/** Every call in the tree, in source order. */
export function calls(
  node: Node,
  out: { name: string; at: number; argc: number; args: Node[] }[] = [],
): typeof out {
  const visit = (n: Node): void => {
    if (n.k === 'call') out.push({ name: n.name, at: n.at, argc: n.args.length, args: n.args })
    for (const child of children(n)) visit(child)
  }
  visit(node)
  return out.sort((a, b) => a.at - b.at)
}

export function children(n: Node): Node[] {
  switch (n.k) {
    case 'literal':
    case 'name':
    case 'pointer':
      return []
    case 'member':
      return [n.object, n.property]
    case 'slice':
      return [n.object, ...(n.from ? [n.from] : []), ...(n.to ? [n.to] : [])]
    case 'chain':
    case 'unary':
      return [n.node]
    case 'binary':
      return [n.left, n.right]
    case 'conditional':
      return [n.test, n.then, n.else]
    case 'array':
      return n.items
    case 'map':
      return n.entries.flat()
    case 'call':
      return n.args
    case 'closure':
      return [n.body]
    case 'let':
      return [n.value, n.body]
  }
}
