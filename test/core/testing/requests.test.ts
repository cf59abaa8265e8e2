import { describe, expect, it } from 'vitest'
import type { KObject } from '../../../hooks/core/contract/objects.ts'
import type { RelatedResourceRule } from '../../../hooks/core/contract/responses.ts'
import { relatedObjects } from '../../../hooks/core/testing/related.ts'
import { requestFor } from '../../../hooks/core/testing/requests.ts'
import { clusterThing, clusterThingParent, configMap } from '../../fixtures/controllers.ts'
import mypod from '../../../hooks/mypod/index.ts'
import { myPodParent, observedPod, NOTES_POD } from '../../fixtures/mypod.ts'

const ns = (name: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
})
const secret = (name: string, namespace: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, labels },
})

const world = [
  ns('default'),
  ns('prod', { env: 'prod' }),
  ns('dev', { env: 'dev' }),
  secret('a', 'default', { app: 'x' }),
  secret('b', 'default'),
  secret('c', 'prod', { app: 'x' }),
  secret('d', 'dev', { app: 'x' }),
]
const namespacedParent = myPodParent()
const clusterParent = clusterThingParent()

describe('related objects from customize rules (contract §6)', () => {
  const cases: {
    name: string
    reason: string
    rule: RelatedResourceRule
    parent: KObject
    version: 'v1' | 'v2'
    keys: string[]
  }[] = [
    {
      name: 'labelSelector, v2, namespaced parent',
      reason: 'v2 sees every namespace',
      rule: { apiVersion: 'v1', resource: 'secrets', labelSelector: { matchLabels: { app: 'x' } } },
      parent: namespacedParent,
      version: 'v2',
      keys: ['default/a', 'dev/d', 'prod/c'],
    },
    {
      name: 'labelSelector, v1, namespaced parent',
      reason: 'v1 sees only the parent namespace, relative keys',
      rule: { apiVersion: 'v1', resource: 'secrets', labelSelector: { matchLabels: { app: 'x' } } },
      parent: namespacedParent,
      version: 'v1',
      keys: ['a'],
    },
    {
      name: 'labelSelector, v1, cluster parent',
      reason: 'a cluster-scoped parent sees all, with namespace/name keys',
      rule: { apiVersion: 'v1', resource: 'secrets', labelSelector: { matchLabels: { app: 'x' } } },
      parent: clusterParent,
      version: 'v1',
      keys: ['default/a', 'dev/d', 'prod/c'],
    },
    {
      name: 'empty labelSelector',
      reason: '{} means everything',
      rule: { apiVersion: 'v1', resource: 'secrets', labelSelector: {} },
      parent: clusterParent,
      version: 'v2',
      keys: ['default/a', 'default/b', 'dev/d', 'prod/c'],
    },
    {
      name: 'labelSelector + namespace',
      reason: 'only that namespace',
      rule: {
        apiVersion: 'v1',
        resource: 'secrets',
        labelSelector: { matchLabels: { app: 'x' } },
        namespace: 'prod',
      },
      parent: namespacedParent,
      version: 'v2',
      keys: ['prod/c'],
    },
    {
      name: 'names in a namespace',
      reason: 'names filter',
      rule: { apiVersion: 'v1', resource: 'secrets', namespace: 'default', names: ['b'] },
      parent: namespacedParent,
      version: 'v2',
      keys: ['default/b'],
    },
    {
      name: 'names without namespace',
      reason: 'all namespaces',
      rule: { apiVersion: 'v1', resource: 'secrets', names: ['c', 'd'] },
      parent: clusterParent,
      version: 'v2',
      keys: ['dev/d', 'prod/c'],
    },
    {
      name: 'namespaceSelector',
      reason: 'objects in namespaces whose labels match',
      rule: {
        apiVersion: 'v1',
        resource: 'secrets',
        namespaceSelector: { matchLabels: { env: 'prod' } },
      },
      parent: namespacedParent,
      version: 'v2',
      keys: ['prod/c'],
    },
    {
      name: 'cluster-scoped related under a namespaced parent, v2',
      reason: 'v2 lets namespaced parents see cluster objects',
      rule: {
        apiVersion: 'v1',
        resource: 'namespaces',
        labelSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
      },
      parent: namespacedParent,
      version: 'v2',
      keys: ['dev', 'prod'],
    },
    {
      name: 'cluster-scoped related under a namespaced parent, v1',
      reason: 'v1 drops them',
      rule: { apiVersion: 'v1', resource: 'namespaces', labelSelector: {} },
      parent: namespacedParent,
      version: 'v1',
      keys: [],
    },
    {
      name: 'nothing matches',
      reason: 'the group is still present',
      rule: { apiVersion: 'v1', resource: 'configmaps', labelSelector: {} },
      parent: clusterParent,
      version: 'v2',
      keys: [],
    },
  ]

  it.each(cases)('$name ($reason)', ({ rule, parent, version, keys }) => {
    const map = relatedObjects([rule], parent, version, world)
    const group = Object.values(map)[0]!
    expect(Object.keys(map)).toHaveLength(1)
    expect(Object.keys(group).sort()).toEqual(keys)
  })

  it.each([
    {
      name: 'namespaceSelector from a v1 hook of a namespaced parent',
      rule: { apiVersion: 'v1', resource: 'secrets', namespaceSelector: {} },
      error: /needs hook version v2/,
    },
    {
      name: 'another namespace from a v1 hook of a namespaced parent',
      rule: { apiVersion: 'v1', resource: 'secrets', namespace: 'prod', names: ['c'] },
      error: /sees only its own namespace/,
    },
    {
      name: 'an unknown resource',
      rule: { apiVersion: 'example.com/v1', resource: 'widgets' },
      error: /cannot tell which kind/,
    },
  ])('refuses $name', ({ rule, error }) => {
    expect(() =>
      relatedObjects([rule as RelatedResourceRule], namespacedParent, 'v1', world),
    ).toThrow(error)
  })
})

describe('requestFor', () => {
  it('carries only the children the parent owns, and one group per declared type', () => {
    const mine = observedPod()
    const foreign = {
      ...observedPod('other'),
      metadata: {
        ...observedPod('other').metadata,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'someone-else', controller: true },
        ],
      },
    }
    const elsewhere = {
      ...observedPod('far'),
      metadata: { ...observedPod('far').metadata, namespace: 'other-ns' },
    }
    const request = requestFor(mypod, {
      parent: namespacedParent,
      objects: [mine, foreign, elsewhere, secret('s', 'default')],
    }) as { children: Record<string, Record<string, unknown>> }
    expect(Object.keys(request.children)).toEqual(['Pod.v1'])
    expect(Object.keys(request.children['Pod.v1']!)).toEqual([`default/${NOTES_POD}`])
  })

  it('fills related from the rules and uses finalize once the parent is being deleted', () => {
    const parent = {
      ...clusterParent,
      metadata: { ...clusterParent.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    }
    const request = requestFor(clusterThing, {
      parent,
      objects: [ns('team-a'), ns('team-b'), ns('other'), configMap('x', 'team-a')],
      rules: [{ apiVersion: 'v1', resource: 'namespaces', names: ['team-a', 'team-b'] }],
    }) as {
      related: Record<string, Record<string, unknown>>
      finalizing: boolean
    }
    expect(Object.keys(request.related['Namespace.v1']!)).toEqual(['team-a', 'team-b'])
    expect(request.finalizing).toBe(true)
  })
})
