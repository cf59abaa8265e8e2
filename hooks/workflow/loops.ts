import type { Scope } from './nodes.ts'
import type { Step, Task } from './schema.ts'
import type { Run } from './state.ts'
import { isSubstitutionError, substitute } from './substitute.ts'
import { lookup } from './variables.ts'

/** One iteration: its label in the node name (`(0:a)`) and the `item` variables it sees. */
export type Iteration = [label: string, scope: Scope]

/** withItems / withSequence / withParam → iterations; undefined = no loop; a string = why it cannot expand. */
export function iterations(
  run: Run,
  call: Step | Task,
  scope: Scope,
): Iteration[] | undefined | string {
  let values: unknown[] | undefined
  if (call.withItems) values = call.withItems
  else if (call.withSequence) {
    const seq = call.withSequence
    const num = (v: number | string | undefined, d: number) =>
      v === undefined ? d : Number(typeof v === 'string' ? substitute(v, lookup(run, scope)) : v)
    let start: number
    let end: number
    try {
      start = num(seq.start, 0)
      end = seq.count !== undefined ? start + num(seq.count, 0) - 1 : num(seq.end, 0)
    } catch (error) {
      if (isSubstitutionError(error)) return error.message
      throw error
    }
    if (!Number.isInteger(start) || !Number.isInteger(end))
      return 'withSequence needs whole numbers'
    if (Math.abs(end - start) > 10_000) return 'withSequence is limited to 10,000 items'
    values = []
    for (let i = start; start <= end ? i <= end : i >= end; i += start <= end ? 1 : -1)
      values.push(seq.format ? formatInt(seq.format, i) : String(i))
  } else if (call.withParam !== undefined) {
    try {
      const parsed = JSON.parse(substitute(call.withParam, lookup(run, scope))) as unknown
      if (!Array.isArray(parsed)) return 'withParam is not a JSON list'
      values = parsed
    } catch (error) {
      return isSubstitutionError(error) ? error.message : 'withParam is not a JSON list'
    }
  }
  if (!values) return undefined
  return values.map((v, i) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v)
    const itemScope: Scope = { item: text }
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v))
        itemScope[`item.${k}`] = typeof x === 'string' ? x : JSON.stringify(x)
    return [`(${i}:${text.length > 40 ? `${text.slice(0, 37)}…` : text})`, itemScope]
  })
}

/** The verbs Go's Sprintf gives an integer that Argo's withSequence.format uses: %d %x %X %o %b with width, `0` and `-` flags. */
export const SEQUENCE_FORMAT = /%(-?)(0?)(\d*)([dxXob%])/g

export function formatInt(format: string, n: number): string {
  return format.replace(
    SEQUENCE_FORMAT,
    (_, left: string, zero: string, width: string, verb: string) => {
      if (verb === '%') return '%'
      const base = { d: 10, x: 16, X: 16, o: 8, b: 2 }[verb as 'd']
      let text = Math.abs(n).toString(base)
      if (verb === 'X') text = text.toUpperCase()
      const sign = n < 0 ? '-' : ''
      const w = Number(width || 0)
      if (left) return (sign + text).padEnd(w, ' ')
      return zero ? sign + text.padStart(w - sign.length, '0') : (sign + text).padStart(w, ' ')
    },
  )
}
