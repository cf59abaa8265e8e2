import { describe, expect, it } from 'vitest'
import { isEmptySelector, matchesSelector, parseSelector } from '../../hooks/core/k8s/selectors.ts'
import type { LabelSelector } from '../../hooks/core/contract/objects.ts'

const labels = { app: 'web', tier: 'front' }

describe('matchesSelector', () => {
  it.each<{ name: string; selector: LabelSelector; matches: boolean }>([
    { name: 'empty selector matches everything', selector: {}, matches: true },
    { name: 'matchLabels subset', selector: { matchLabels: { app: 'web' } }, matches: true },
    { name: 'matchLabels wrong value', selector: { matchLabels: { app: 'db' } }, matches: false },
    { name: 'matchLabels missing key', selector: { matchLabels: { env: 'prod' } }, matches: false },
    {
      name: 'In hit',
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] },
      matches: true,
    },
    {
      name: 'In on missing key',
      selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['x'] }] },
      matches: false,
    },
    {
      name: 'NotIn hit',
      selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] },
      matches: false,
    },
    {
      name: 'NotIn on missing key matches',
      selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['x'] }] },
      matches: true,
    },
    {
      name: 'Exists',
      selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      matches: true,
    },
    {
      name: 'DoesNotExist',
      selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      matches: false,
    },
    {
      name: 'labels and expressions are ANDed',
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }],
      },
      matches: false,
    },
  ])('$name', ({ selector, matches }) => {
    expect(matchesSelector(selector, labels)).toBe(matches)
  })

  it('treats a selector with no requirements as empty', () => {
    expect(isEmptySelector(undefined)).toBe(true)
    expect(isEmptySelector({ matchLabels: {} })).toBe(true)
    expect(isEmptySelector({ matchLabels: { a: 'b' } })).toBe(false)
  })
})

describe('parseSelector', () => {
  it.each([
    { text: 'env=prod', selector: { matchLabels: { env: 'prod' } } },
    {
      text: 'env==prod, tier!=db',
      selector: {
        matchLabels: { env: 'prod' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
      },
    },
    {
      text: 'team in (a, b),zone notin (x)',
      selector: {
        matchExpressions: [
          { key: 'team', operator: 'In', values: ['a', 'b'] },
          { key: 'zone', operator: 'NotIn', values: ['x'] },
        ],
      },
    },
    {
      text: 'kiamol.net/owned,!legacy',
      selector: {
        matchExpressions: [
          { key: 'kiamol.net/owned', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
    },
    { text: '', selector: {} },
    { text: 'env=', selector: { matchLabels: { env: '' } } },
  ])('$text', ({ text, selector }) => {
    expect(parseSelector(text)).toEqual(selector)
  })

  it.each(['env=a b', '=x', 'a in b', 'a,,b', 'env = (x)'])('refuses %j', (text) => {
    expect(() => parseSelector(text)).toThrow()
  })
})
