import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { defineCompositeController } from '../../hooks/core/define.ts'
import { pluralize } from '../../hooks/core/k8s/resources.ts'

const base = {
  name: 'thing',
  parent: { group: 'g.example', version: 'v1', kind: 'Thing', plural: 'things', scope: 'Namespaced' as const, spec: z.object({}) },
  children: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  sync: () => ({ children: [], status: {} }),
}

describe('defineCompositeController', () => {
  it('derives apiVersion, singular, resource names, scopes and defaults', () => {
    const d = defineCompositeController({
      ...base,
      children: [
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', updateStrategy: 'InPlace' },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
      ],
    })
    expect(d.parent.apiVersion).toBe('g.example/v1')
    expect(d.parent.singular).toBe('thing')
    expect(d.hookVersion).toBe('v2')
    expect(d.generateSelector).toBe(false)
    expect(d.children).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps', scope: 'Namespaced', updateStrategy: {} },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', resource: 'networkpolicies', scope: 'Namespaced', updateStrategy: { method: 'InPlace' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', resource: 'clusterroles', scope: 'Cluster', updateStrategy: {} },
    ])
    expect(d.finalize).toBeUndefined()
  })

  it.each([
    { name: 'a route name with capitals', input: { ...base, name: 'MyThing' }, error: /lowercase DNS label/ },
    { name: 'a route name with a slash', input: { ...base, name: 'a/b' }, error: /lowercase DNS label/ },
    { name: 'a child type declared twice', input: { ...base, children: [base.children[0]!, base.children[0]!] }, error: /ConfigMap.v1 is declared twice/ },
  ])('refuses $name', ({ input, error }) => {
    expect(() => defineCompositeController(input)).toThrow(error)
  })
})

describe('pluralize', () => {
  it.each([
    ['Pod', 'pods'],
    ['Ingress', 'ingresses'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Gateway', 'gateways'],
    ['Endpoints', 'endpoints'],
    ['Mailbox', 'mailboxes'],
  ])('%s → %s', (kind, plural) => expect(pluralize(kind)).toBe(plural))
})

describe('invalidSpec', () => {
  it('turns a spec the schema accepts but the controller cannot act on into a 422 naming the field', async () => {
    const { invalidSpec } = await import('../../hooks/core/errors.ts')
    const { runHook } = await import('../../hooks/core/run.ts')
    const { compositeRequest } = await import('../../hooks/core/testing/requests.ts')
    const d = defineCompositeController({
      ...base,
      parent: { ...base.parent, spec: z.object({ window: z.string() }) },
      sync: ({ spec }) => (spec.window.includes('-') ? { children: [], status: {} } : invalidSpec('window', 'must be a range like 9-17')),
    })
    const parent = { apiVersion: 'g.example/v1', kind: 'Thing', metadata: { name: 't', namespace: 'default' }, spec: { window: 'always' } }
    const outcome = await runHook(d, 'sync', compositeRequest(d, { parent }))
    expect(outcome).toMatchObject({ ok: false, status: 422, message: 'invalid parent spec: spec.window: must be a range like 9-17' })
  })
})
