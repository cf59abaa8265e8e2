import { describe, expect, it } from 'vitest'
import {
  ObservedObjects,
  buildObjectMap,
  entryKey,
  groupKey,
  parseGroupKey,
} from '../../hooks/core/contract/objectmap.ts'
import { ObjectMap } from '../../hooks/core/contract/objects.ts'
import type { HookVersion, KObject } from '../../hooks/core/contract/objects.ts'

const obj = (kind: string, apiVersion: string, name: string, namespace?: string): KObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace && { namespace }) },
})
const namespacedParent = obj('MyPod', 'crd.example.com/v1', 'p', 'default')
const clusterParent = obj('User', 'ch20.kiamol.net/v1', 'u')

describe('groupKey', () => {
  it.each([
    ['v1', 'Pod', 'Pod.v1'],
    ['apps/v1', 'StatefulSet', 'StatefulSet.apps/v1'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'RoleBinding.rbac.authorization.k8s.io/v1'],
  ])('%s %s → %s, and back', (apiVersion, kind, key) => {
    expect(groupKey(apiVersion, kind)).toBe(key)
    expect(parseGroupKey(key)).toEqual({ kind, apiVersion })
    expect(ObjectMap.safeParse({ [key]: {} }).success).toBe(true)
  })

  it.each(['pods', 'Pod', 'Pod.', '.v1', 'Pod.apps/', 'Pod v1'])(
    'rejects malformed group key %j',
    (key) => {
      expect(ObjectMap.safeParse({ [key]: {} }).success).toBe(false)
    },
  )
})

describe('entryKey (contract §3.1)', () => {
  const cases: {
    name: string
    parent: KObject
    object: KObject
    version: HookVersion
    key: string
  }[] = [
    {
      name: 'v1, namespaced parent, namespaced object: relative name',
      parent: namespacedParent,
      object: obj('Pod', 'v1', 'a', 'default'),
      version: 'v1',
      key: 'a',
    },
    {
      name: 'v2, namespaced parent, namespaced object: namespace/name',
      parent: namespacedParent,
      object: obj('Pod', 'v1', 'a', 'default'),
      version: 'v2',
      key: 'default/a',
    },
    {
      name: 'v1, cluster parent, namespaced object: namespace/name',
      parent: clusterParent,
      object: obj('Secret', 'v1', 's', 'ns1'),
      version: 'v1',
      key: 'ns1/s',
    },
    {
      name: 'v2, cluster parent, namespaced object: namespace/name',
      parent: clusterParent,
      object: obj('Secret', 'v1', 's', 'ns1'),
      version: 'v2',
      key: 'ns1/s',
    },
    {
      name: 'v1, cluster parent, cluster object: name',
      parent: clusterParent,
      object: obj('Namespace', 'v1', 'ns1'),
      version: 'v1',
      key: 'ns1',
    },
    {
      name: 'v2, cluster parent, cluster object: name',
      parent: clusterParent,
      object: obj('Namespace', 'v1', 'ns1'),
      version: 'v2',
      key: 'ns1',
    },
    {
      name: 'v2, namespaced parent, cluster object (related): name',
      parent: namespacedParent,
      object: obj('Namespace', 'v1', 'ns1'),
      version: 'v2',
      key: 'ns1',
    },
  ]
  it.each(cases)('$name', ({ parent, object, version, key }) => {
    expect(entryKey(object, parent, version)).toBe(key)
  })
})

describe('ObservedObjects', () => {
  const objects = [
    obj('Pod', 'v1', 'b', 'default'),
    obj('Pod', 'v1', 'a', 'default'),
    obj('Service', 'v1', 'a', 'default'),
  ]

  it.each(['v1', 'v2'] as const)(
    'reads a %s map without caring about its entry keys',
    (version) => {
      const map = buildObjectMap(
        namespacedParent,
        version,
        [{ apiVersion: 'v1', kind: 'Pod' }],
        objects,
      )
      const observed = new ObservedObjects(map)
      expect(observed.list('Pod').map((p) => p.metadata.name)).toEqual(['a', 'b'])
      expect(observed.get('Pod', 'b')?.metadata.name).toBe('b')
      expect(observed.get({ kind: 'Pod', apiVersion: 'v1' }, 'a', 'default')?.kind).toBe('Pod')
      expect(observed.get('Pod', 'a', 'other')).toBeUndefined()
      expect(observed.get({ kind: 'Pod', apiVersion: 'v2' }, 'a')).toBeUndefined()
      expect(observed.size).toBe(3)
    },
  )

  it('keeps empty groups for every declared type', () => {
    const map = buildObjectMap(
      namespacedParent,
      'v2',
      [
        { apiVersion: 'v1', kind: 'Pod' },
        { apiVersion: 'apps/v1', kind: 'Deployment' },
      ],
      [],
    )
    expect(map).toEqual({ 'Pod.v1': {}, 'Deployment.apps/v1': {} })
    expect(new ObservedObjects(map).groups()).toEqual(['Deployment.apps/v1', 'Pod.v1'])
  })

  it('sorts by namespace then name whatever order the request had', () => {
    const map: ObjectMap = {
      'Secret.v1': {
        'z/x': obj('Secret', 'v1', 'x', 'z'),
        'a/y': obj('Secret', 'v1', 'y', 'a'),
        'a/b': obj('Secret', 'v1', 'b', 'a'),
      },
    }
    expect(
      new ObservedObjects(map)
        .list('Secret')
        .map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
    ).toEqual(['a/b', 'a/y', 'z/x'])
  })
})
