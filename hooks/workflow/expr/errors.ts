import { clip, quote } from 'metahooks'

/** Every failure of the expression language: a one-line message naming the problem. */
export class ExprError extends Error {
  override name = 'ExprError'
}

/** A dotted name that is not in the environment; `??` and sprig's default/coalesce/empty treat it as nil. */
export class UnknownVariableError extends ExprError {
  override name = 'UnknownVariableError'
  constructor(
    readonly path: string,
    where = '',
  ) {
    super(`unknown variable ${clip(path, 120)}${where}`)
  }
}

/** The caps that keep a hostile expression from using unbounded time or memory. */
export const EXPR_LIMITS = Object.freeze({
  /** characters in one expression (the text between `{{=` and `}}`) */
  sourceLength: 4096,
  /** nesting of parentheses, brackets, operators and calls */
  depth: 64,
  /** height of the parsed tree, which long chains (a + b + c + …, a.b.c.…) grow without nesting */
  treeHeight: 256,
  /** characters in any string an expression produces */
  stringLength: 1 << 20,
  /** elements in any array an expression produces */
  arrayLength: 100_000,
  /** nodes visited plus closure iterations in one evaluation (one substituteExpressions call) */
  steps: 1_000_000,
  /** characters, elements and entries produced in one evaluation (one substituteExpressions call) */
  allocation: 16_000_000,
  /** nesting of arrays and maps in a value (fromJSON, jsonpath, toJSON, ==) */
  valueDepth: 100,
  /** characters substituteExpressions may produce */
  outputLength: 4 << 20,
})

/** The expression quoted for a message: `"a + b"`, cut short and kept on one line. */
export function quoted(source: string): string {
  return quote(source, 120)
}

/** The expression as the tag it came from: `{{=sprig.foo(x)}}`, cut short and kept on one line. */
export function tag(source: string): string {
  return `{{=${clip(source, 120)}}}`
}
