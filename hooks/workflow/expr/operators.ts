import { ExprError } from './errors.ts'
import { finite, regex } from './functions.ts'
import {
  checkSize,
  compareStrings,
  equal,
  isMap,
  isNil,
  typeName,
  type ExprValue,
} from './values.ts'

/**
 * A binary operator on two evaluated operands, as expr-lang applies it (the short-circuiting
 * `&&`, `||` and `??` are the evaluator's). `charge` counts what a result allocates against the
 * evaluation's budget.
 */
export function binaryOperation(
  op: string,
  a: ExprValue,
  b: ExprValue,
  charge: <T extends ExprValue>(v: T) => T,
): ExprValue {
  const mismatch = () =>
    new ExprError(`invalid operation: ${op} (mismatched types ${typeName(a)} and ${typeName(b)})`)
  switch (op) {
    case '==':
      return equal(a, b)
    case '!=':
      return !equal(a, b)
    case '<':
    case '>':
    case '<=':
    case '>=': {
      let c: number
      if (typeof a === 'number' && typeof b === 'number') c = a - b
      else if (typeof a === 'string' && typeof b === 'string') c = compareStrings(a, b)
      else throw mismatch()
      return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0
    }
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        checkSize(a.length + b.length, 'string')
        return charge(a + b)
      }
      if (typeof a === 'number' && typeof b === 'number') return finite(a + b, op)
      throw mismatch()
    case 'in':
      if (isNil(b)) return false
      if (Array.isArray(b)) return b.some((x) => equal(x, a))
      if (isMap(b)) {
        if (typeof a !== 'string')
          throw new ExprError(`invalid operation: ${typeName(a)} in map (keys are strings)`)
        return Object.hasOwn(b, a)
      }
      throw new ExprError(`invalid operation: in ${typeName(b)} (needs an array or a map)`)
    case 'matches':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof a !== 'string' || typeof b !== 'string') throw mismatch()
      if (op === 'matches') return regex(b, 'matches').test(a)
      return op === 'contains'
        ? a.includes(b)
        : op === 'startsWith'
          ? a.startsWith(b)
          : a.endsWith(b)
  }
  if (typeof a !== 'number' || typeof b !== 'number') throw mismatch()
  switch (op) {
    case '-':
      return finite(a - b, op)
    case '*':
      return finite(a * b, op)
    case '/':
      if (b === 0) throw new ExprError('division by zero')
      return finite(a / b, op)
    case '%':
      if (!Number.isInteger(a) || !Number.isInteger(b))
        throw new ExprError(
          `invalid operation: % needs ints, not ${typeName(a)} and ${typeName(b)}`,
        )
      if (b === 0) throw new ExprError('integer divide by zero')
      return (a % b) + 0
    case '**':
      return finite(a ** b, op)
    case '..': {
      if (!Number.isInteger(a) || !Number.isInteger(b))
        throw new ExprError(
          `invalid operation: .. needs ints, not ${typeName(a)} and ${typeName(b)}`,
        )
      checkSize(Math.max(0, b - a + 1), 'array')
      return charge(Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i))
    }
  }
  throw new ExprError(`unknown operator ${op}`)
}
