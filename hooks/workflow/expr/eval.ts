import { binaryOperation } from './operators.ts'
import { EXPR_LIMITS, ExprError, UnknownVariableError } from './errors.ts'
import { BUILTINS, finite, sortValues, type Fn } from './functions.ts'
import type { Node } from './parser.ts'
import { SPRIG } from './sprig.ts'
import {
  byteAt,
  byteLength,
  byteSlice,
  checkSize,
  checkString,
  goString,
  isMap,
  isNil,
  ownGet,
  ownSet,
  typeName,
  type ExprMap,
  type ExprValue,
} from './values.ts'

/** Every callable function by its full name (`len`, `sprig.upper`); closure functions are evaluated here. */
export const FUNCTIONS: Record<string, Fn> = { ...BUILTINS, ...SPRIG }

/** What one evaluation (or one substituteExpressions call) may still spend. */
export interface Budget {
  steps: number
  allocation: number
}

export function newBudget(): Budget {
  return { steps: EXPR_LIMITS.steps, allocation: EXPR_LIMITS.allocation }
}

/** Marks a nil met by `?.`: every member access after it is skipped until the end of the chain. */
const SHORT = Symbol('short-circuit')

interface Frame {
  item: ExprValue
  index: number
  acc?: ExprValue
}

const show = (v: ExprValue) =>
  typeof v === 'string'
    ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)
    : typeof v === 'number'
      ? String(v)
      : typeName(v)

/** Evaluates trees against one flat environment, whose dotted keys it turns into nested maps on first use. */
export class Evaluator {
  #root: ExprMap | undefined
  /** the dotted path of every map made from the environment's keys (a miss in one is an unknown variable) */
  readonly #paths = new WeakMap<object, string>()
  readonly #frames: Frame[] = []
  readonly #lets: { name: string; value: ExprValue }[] = []

  constructor(
    readonly env: Record<string, ExprValue>,
    readonly budget: Budget = newBudget(),
  ) {}

  evaluate(node: Node): ExprValue {
    try {
      const v = this.ev(node)
      return v === SHORT ? null : v
    } catch (e) {
      if (e instanceof RangeError)
        throw new ExprError(`expression is too complex to evaluate: ${e.message}`)
      throw e
    }
  }

  /** `inputs.parameters.x` and `inputs.parameters` both present: as in Argo, the map made from the longer keys wins. */
  root(): ExprMap {
    if (this.#root) return this.#root
    const root: ExprMap = {}
    this.#paths.set(root, '')
    for (const [key, raw] of Object.entries(this.env)) {
      const parts = key.split('.')
      let node = root
      let path = ''
      for (const part of parts.slice(0, -1)) {
        path = path ? `${path}.${part}` : part
        const got = ownGet(node, part)
        if (got.found && this.#isEnvMap(got.value)) node = got.value
        else {
          const child: ExprMap = {}
          this.#paths.set(child, path)
          ownSet(node, part, child)
          node = child
        }
      }
      const last = parts[parts.length - 1]!
      if (!this.#isEnvMap(ownGet(node, last).value))
        ownSet(node, last, raw === undefined ? null : raw)
    }
    return (this.#root = root)
  }

  #isEnvMap(v: ExprValue): v is ExprMap {
    return typeof v === 'object' && v !== null && this.#paths.has(v)
  }

  step(): void {
    if (--this.budget.steps < 0)
      throw new ExprError(`expression needs more than ${EXPR_LIMITS.steps} evaluation steps`)
  }

  /** Counts what a result made against the allocation budget, refusing strings and arrays over their caps. */
  charge<T extends ExprValue>(v: T): T {
    let size = 0
    if (typeof v === 'string') size = checkString(v).length
    else if (Array.isArray(v)) {
      checkSize(v.length, 'array')
      size = v.length
    } else if (isMap(v)) size = Object.keys(v).length
    if ((this.budget.allocation -= size) < 0)
      throw new ExprError(
        `expression produces more than ${EXPR_LIMITS.allocation} characters and elements`,
      )
    return v
  }

  ev(n: Node): ExprValue {
    this.step()
    switch (n.k) {
      case 'literal':
        return n.value
      case 'name':
        return this.#name(n.name)
      case 'pointer': {
        const frame = this.#frames[this.#frames.length - 1]!
        if (n.name === 'index') return frame.index
        if (n.name === 'acc') {
          if (!('acc' in frame)) throw new ExprError('#acc is only defined inside reduce')
          return frame.acc
        }
        return frame.item
      }
      case 'member': {
        const base = this.ev(n.object)
        if (base === SHORT || (n.optional && isNil(base))) return SHORT
        return this.member(base, this.ev(n.property))
      }
      case 'chain': {
        const v = this.ev(n.node)
        return v === SHORT ? null : v
      }
      case 'slice': {
        const base = this.ev(n.object)
        if (base === SHORT) return SHORT
        return this.#slice(
          base,
          n.from ? this.ev(n.from) : undefined,
          n.to ? this.ev(n.to) : undefined,
        )
      }
      case 'unary': {
        const v = this.ev(n.node)
        if (n.op === '!') return !this.#bool(v, '!')
        if (typeof v !== 'number') throw new ExprError(`invalid operation: ${n.op}${typeName(v)}`)
        return n.op === '-' ? -v + 0 : v
      }
      case 'binary':
        return this.#binary(n.op, n.left, n.right)
      case 'conditional':
        return this.#bool(this.ev(n.test), '?:') ? this.ev(n.then) : this.ev(n.else)
      case 'array':
        return this.charge(n.items.map((item) => this.ev(item)))
      case 'map': {
        const out: ExprMap = {}
        for (const [k, v] of n.entries) {
          const key = this.ev(k)
          if (typeof key !== 'string' && typeof key !== 'number')
            throw new ExprError(`a map key must be a string, not ${typeName(key)}`)
          ownSet(out, String(key), this.ev(v))
        }
        return this.charge(out)
      }
      case 'call':
        return this.charge(this.#call(n.name, n.args))
      case 'closure':
        throw new ExprError('a closure can only be an argument of a function such as filter or map')
      case 'let': {
        this.#lets.push({ name: n.name, value: this.ev(n.value) })
        try {
          return this.ev(n.body)
        } finally {
          this.#lets.pop()
        }
      }
    }
  }

  #name(name: string): ExprValue {
    for (let i = this.#lets.length - 1; i >= 0; i--)
      if (this.#lets[i]!.name === name) return this.#lets[i]!.value
    if (name === '$env') return this.root()
    const got = ownGet(this.root(), name)
    if (!got.found) throw new UnknownVariableError(name)
    return got.value
  }

  /** `a.b`, `a['b']`, `list[0]`, `list[-1]`: own keys of maps only, integer indexes of arrays. */
  member(base: ExprValue, key: ExprValue): ExprValue {
    if (Array.isArray(base) || typeof base === 'string') {
      if (!Number.isInteger(key))
        throw new ExprError(`cannot index ${typeName(base)} with ${show(key)}`)
      const length = Array.isArray(base) ? base.length : byteLength(base)
      const i = (key as number) < 0 ? length + (key as number) : (key as number)
      if (i < 0 || i >= length)
        throw new ExprError(`index out of range: ${key} (${typeName(base)} length is ${length})`)
      return Array.isArray(base) ? (base[i] ?? null) : byteAt(base, i)
    }
    if (isMap(base)) {
      if (typeof key !== 'string')
        throw new ExprError(`cannot fetch ${show(key)} from a map (keys are strings)`)
      const got = ownGet(base, key)
      if (got.found) return got.value
      if (base === this.#root && Object.hasOwn(this.env, key)) return this.env[key] ?? null // $env['inputs.parameters.x']
      const path = this.#paths.get(base)
      if (path !== undefined) throw new UnknownVariableError(path ? `${path}.${key}` : key)
      return null
    }
    throw new ExprError(`cannot fetch ${show(key)} from ${typeName(base)}`)
  }

  /** expr's slice: negative bounds count from the end, bounds are clamped; strings are sliced in UTF-8 bytes as in Go. */
  #slice(base: ExprValue, from: ExprValue, to: ExprValue): ExprValue {
    if (!Array.isArray(base) && typeof base !== 'string')
      throw new ExprError(`cannot slice ${typeName(base)}`)
    const length = Array.isArray(base) ? base.length : byteLength(base)
    const bound = (v: ExprValue, dflt: number) => {
      if (v === undefined) return dflt
      if (!Number.isInteger(v)) throw new ExprError(`slice bounds must be ints, not ${typeName(v)}`)
      const b = (v as number) < 0 ? length + (v as number) : (v as number)
      return Math.min(Math.max(b, 0), length)
    }
    const b = bound(to, length)
    const a = Math.min(bound(from, 0), b)
    return this.charge(Array.isArray(base) ? base.slice(a, b) : byteSlice(base, a, b))
  }

  #bool(v: ExprValue, op: string): boolean {
    if (typeof v !== 'boolean')
      throw new ExprError(`invalid operation: ${op} needs a bool, not ${typeName(v)}`)
    return v
  }

  #binary(op: string, left: Node, right: Node): ExprValue {
    if (op === '&&') return this.#bool(this.ev(left), op) && this.#bool(this.ev(right), op)
    if (op === '||') return this.#bool(this.ev(left), op) || this.#bool(this.ev(right), op)
    if (op === '??') {
      let l: ExprValue
      try {
        l = this.ev(left)
      } catch (e) {
        if (!(e instanceof UnknownVariableError)) throw e
        l = null
      }
      return isNil(l) ? this.ev(right) : l
    }
    const a = this.ev(left)
    const b = this.ev(right)
    return binaryOperation(op, a, b, (v) => this.charge(v))
  }

  #call(name: string, argNodes: Node[]): ExprValue {
    if (argNodes[1]?.k === 'closure' || name === 'count' || name === 'sum')
      return this.#closureCall(name, argNodes)
    const f = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
    if (f === undefined) throw new ExprError(`unknown function ${JSON.stringify(name)}`)
    const args = argNodes.map((a) => {
      if (!f.lenient) return this.ev(a)
      try {
        return this.ev(a)
      } catch (e) {
        if (e instanceof UnknownVariableError) return null
        throw e
      }
    })
    if (args.length < f.min || args.length > f.max)
      throw new ExprError(`${name}: wrong number of arguments (${args.length})`)
    return f.call(args, name)
  }

  /** all, any, none, one, filter, map, count, sum, find, findIndex, findLast, findLastIndex, groupBy, sortBy, reduce. */
  #closureCall(name: string, args: Node[]): ExprValue {
    const list = this.ev(args[0]!)
    if (!Array.isArray(list))
      throw new ExprError(`${name}: argument 1 must be an array, not ${typeName(list)}`)
    const body = args[1]?.k === 'closure' ? args[1].body : undefined
    const run = (item: ExprValue, index: number, acc?: { value: ExprValue }): ExprValue => {
      if (body === undefined) return item
      this.step()
      this.#frames.push(acc ? { item, index, acc: acc.value } : { item, index })
      try {
        return this.ev(body)
      } finally {
        this.#frames.pop()
      }
    }
    const test = (item: ExprValue, index: number): boolean => {
      const v = run(item, index)
      if (typeof v !== 'boolean')
        throw new ExprError(`${name}: the closure must return a bool, not ${typeName(v)}`)
      return v
    }
    switch (name) {
      case 'all':
        return list.every(test)
      case 'any':
        return list.some(test)
      case 'none':
        return !list.some(test)
      case 'one':
        return list.filter(test).length === 1
      case 'filter':
        return list.filter(test)
      case 'map':
        return list.map((x, i) => run(x, i))
      case 'count':
        return list.filter(test).length
      case 'find':
        return list.find(test) ?? null
      case 'findIndex':
        return list.findIndex(test)
      case 'findLast':
        return list.findLast(test) ?? null
      case 'findLastIndex':
        return list.findLastIndex(test)
      case 'sum':
        return list.reduce((total: number, x, i) => {
          const v = run(x, i)
          if (typeof v !== 'number') throw new ExprError(`sum: cannot add ${typeName(v)}`)
          return finite(total + v, 'sum')
        }, 0)
      case 'groupBy': {
        const out: ExprMap = {}
        list.forEach((x, i) => {
          const k = run(x, i)
          const key = typeof k === 'string' ? k : goString(k)
          const group = ownGet(out, key)
          if (group.found) (group.value as ExprValue[]).push(x)
          else ownSet(out, key, [x])
        })
        return out
      }
      case 'sortBy': {
        const order = args[2] ? this.ev(args[2]) : 'asc'
        return sortValues(
          name,
          list,
          list.map((x, i) => run(x, i)),
          order,
        )
      }
      case 'reduce': {
        let start = 0
        let acc: ExprValue
        if (args[2]) acc = this.ev(args[2])
        else if (list.length === 0) return null
        else [acc, start] = [list[0], 1]
        for (let i = start; i < list.length; i++) acc = this.charge(run(list[i], i, { value: acc }))
        return acc
      }
    }
    throw new ExprError(`unknown function ${JSON.stringify(name)}`)
  }
}
