import { describe, expect, it } from 'vitest'
import {
  dependsTasks,
  evalDepends,
  parseDepends,
  whenHolds,
  type DependsResult,
} from '../../hooks/workflow/expressions.ts'

const phases: Record<string, DependsResult[]> = {
  a: ['Succeeded'],
  b: ['Failed'],
  c: ['Skipped'],
  'task-d': ['Errored'],
}
const has = (task: string, result: DependsResult) => (phases[task] ?? []).includes(result)

describe('depends', () => {
  it.each([
    { expr: 'a', value: true, reason: 'a bare name is Succeeded or Skipped or Daemoned' },
    { expr: 'c', value: true, reason: 'Skipped counts for a bare name' },
    { expr: 'b', value: false, reason: 'Failed does not' },
    { expr: 'b.Failed && a.Succeeded', value: true, reason: 'results and &&' },
    {
      expr: '!(a && b.Succeeded) || task-d.Errored',
      value: true,
      reason: 'parentheses, ! and names with -',
    },
    { expr: 'a.Omitted || (b.Failed && !c)', value: false, reason: '&& binds tighter than ||' },
  ])('$expr → $value ($reason)', ({ expr, value }) => {
    expect(evalDepends(parseDepends(expr), has)).toBe(value)
  })

  it('lists the tasks an expression names', () => {
    expect([...dependsTasks(parseDepends('(a.Succeeded || b) && !task-d.Failed'))].sort()).toEqual([
      'a',
      'b',
      'task-d',
    ])
  })

  it.each([
    { expr: 'a &&', error: /unexpected end/ },
    { expr: '(a || b', error: /missing "\)"/ },
    { expr: 'a.Finished', error: /unknown result "Finished"/ },
    { expr: 'a b', error: /unexpected "b"/ },
    { expr: '&& a', error: /expected a task/ },
  ])('refuses $expr', ({ expr, error }) => {
    expect(() => parseDepends(expr)).toThrow(error)
  })
})

describe('when', () => {
  it.each([
    { expr: 'heads == heads', value: true },
    { expr: "'tails' == heads", value: false },
    { expr: '3 < 10', value: true, reason: 'numbers compare as numbers' },
    { expr: "'3' < '10'", value: false, reason: 'quoted numbers compare as strings' },
    { expr: 'abc =~ ^a.c$', value: true },
    { expr: 'abc !~ ^b', value: true },
    { expr: '!(a == b) && (1 >= 1 || false)', value: true },
    { expr: 'true', value: true },
    { expr: 'false || false', value: false },
  ])('$expr → $value', ({ expr, value }) => {
    expect(whenHolds(expr)).toBe(value)
  })

  it.each([' == heads', '(a == b', "'open", 'a == (b', 'a =~ ('])('refuses %j', (expr) => {
    expect(() => whenHolds(expr)).toThrow()
  })
})
