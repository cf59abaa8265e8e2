import { beforeAll, describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import {
  childName,
  isValidLabelValue,
  isValidName,
  labelValueOf,
  nameRule,
  type NameRule,
} from '../../hooks/core/k8s/names.ts'
import { runHook } from '../../hooks/core/run.ts'
import { controllers } from '../../hooks/registry.ts'
import { loadSeeds, type Seed } from '../stress/harness.ts'

// Child names and label values derived from a parent's name must be valid for their kind whatever
// the parent's legal name: the API server refuses the others, and Metacontroller loops on errors.

const LENGTHS = [1, 63, 64, 200, 253]
/** Controllers that refuse some legal names by design, with the status they answer. */
const REFUSES_NAMES: Record<string, { status: number; reason: string }> = {
  usergroups: { status: 422, reason: 'a singleton: only the name "kiamol" is served' },
}

/** A legal name of `length` characters for the root object's kind (subdomains with dots every 40 characters, as names often have). */
function nameOfLength(length: number, rule: NameRule): string {
  let name = ''
  while (name.length < length)
    name += name.length % 41 === 40 && rule.format === 'dns1123-subdomain' ? '.' : 'n'
  return name.replace(/\.$/, 'n')
}

/** Every label value in an object: metadata labels, selectors, Pod templates, Service selectors. */
function labelValues(object: unknown, path = ''): { path: string; value: string }[] {
  if (typeof object !== 'object' || object === null) return []
  const out: { path: string; value: string }[] = []
  for (const [key, value] of Object.entries(object)) {
    const here = `${path}.${key}`
    const isLabelMap =
      key === 'labels' ||
      key === 'matchLabels' ||
      (key === 'selector' &&
        /\.spec$/.test(path) &&
        typeof value === 'object' &&
        value !== null &&
        !('matchLabels' in value) &&
        !('matchExpressions' in value))
    if (
      isLabelMap &&
      typeof value === 'object' &&
      value !== null &&
      Object.values(value).every((v) => typeof v === 'string')
    ) {
      for (const [k, v] of Object.entries(value as Record<string, string>))
        out.push({ path: `${here}.${k}`, value: v })
    } else out.push(...labelValues(value, here))
  }
  return out
}

let seeds: Seed[]
beforeAll(async () => {
  seeds = await loadSeeds()
})

describe('childName and labelValueOf', () => {
  it.each([
    {
      type: { apiVersion: 'v1', kind: 'Service' },
      parts: ['web', 'master'],
      expected: 'web-master',
      reason: 'a valid name is kept as it is',
    },
    {
      type: { apiVersion: 'v1', kind: 'Service' },
      parts: ['a.b', 'master'],
      expected: /^a-b-[0-9a-f]{8}-master$/,
      reason:
        'a dot is not allowed in a Service name: tidied, and hashed so a.b and a-b never meet',
    },
    {
      type: { apiVersion: 'v1', kind: 'Service' },
      parts: ['1st', 'db'],
      expected: /^x1st-[0-9a-f]{8}-db$/,
      reason: 'a Service name starts with a letter',
    },
    {
      type: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
      parts: ['n'.repeat(60), 'mysql'],
      expected: /^n{37}-[0-9a-f]{8}-mysql$/,
      reason: 'a StatefulSet longer than 52 never gets Pods',
    },
    {
      type: { apiVersion: 'v1', kind: 'ConfigMap' },
      parts: ['n'.repeat(253), 'config'],
      expected: /^n{237}-[0-9a-f]{8}-config$/,
      reason: '253 at most, the last part kept',
    },
  ])('$reason', ({ type, parts, expected }) => {
    const name = childName(type, ...parts)
    if (typeof expected === 'string') expect(name).toBe(expected)
    else expect(name).toMatch(expected)
    expect(isValidName(nameRule(type.apiVersion, type.kind), name)).toBe(true)
    expect(childName(type, ...parts)).toBe(name)
  })

  it.each(['web', 'a.b_c-d', 'n'.repeat(63), 'n'.repeat(64), '-x-', 'été', ''])(
    'label value of %j is valid and stable',
    (text) => {
      const value = labelValueOf(text)
      expect(isValidLabelValue(value)).toBe(true)
      if (isValidLabelValue(text)) expect(value).toBe(text)
      expect(labelValueOf(text)).toBe(value)
    },
  )
})

describe.each(controllers.map((c) => [c.name, c] as const))(
  '%s: child names from long parent names',
  (_name, controller) => {
    it.each(LENGTHS)(
      'a parent name of %i characters: 200 with every name and label value valid, never 500',
      async (length) => {
        const mine = seeds.filter((s) => s.controller === controller && s.hook !== 'customize')
        expect(mine.length).toBeGreaterThan(0)
        for (const seed of mine) {
          const request = structuredClone(seed.request) as { parent?: KObject; object?: KObject }
          const root = (controller.type === 'decorator' ? request.object : request.parent)!
          const rootRule = nameRule(root.apiVersion, root.kind)
          if (length > rootRule.max) continue
          root.metadata.name = nameOfLength(length, rootRule)
          const outcome = await runHook(controller, seed.hook, request)
          const refused = REFUSES_NAMES[controller.name]
          if (refused) {
            expect(outcome.status).toBe(refused.status)
            continue
          }
          expect(outcome.ok ? 200 : `${outcome.status} ${outcome.message}`).toBe(200)
          if (!outcome.ok) continue
          const children =
            ((outcome.response.children ?? outcome.response.attachments) as KObject[]) ?? []
          for (const child of children) {
            const rule = nameRule(child.apiVersion, child.kind)
            expect(
              isValidName(rule, child.metadata.name),
              `${child.kind} ${child.metadata.name}`,
            ).toBe(true)
            if (child.kind === 'StatefulSet')
              expect(
                child.metadata.name.length,
                `StatefulSet ${child.metadata.name}`,
              ).toBeLessThanOrEqual(52)
            for (const { path, value } of labelValues(child))
              expect(
                isValidLabelValue(value),
                `${child.kind} ${child.metadata.name} ${path}=${value}`,
              ).toBe(true)
          }
          for (const [key, value] of Object.entries(
            (outcome.response.labels as Record<string, string | null> | undefined) ?? {},
          )) {
            if (value !== null)
              expect(isValidLabelValue(value), `label ${key}=${value} on the object`).toBe(true)
          }
        }
      },
    )
  },
)
