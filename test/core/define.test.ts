import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { defineCompositeController } from '../../hooks/core/define.ts'
import { pluralize } from '../../hooks/core/k8s/resources.ts'

const base = {
  name: 'thing',
  parent: {
    group: 'g.example',
    version: 'v1',
    kind: 'Thing',
    plural: 'things',
    scope: 'Namespaced' as const,
    spec: z.object({}),
  },
  children: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  sync: () => ({ children: [], status: {} }),
}

describe('defineCompositeController', () => {
  it('derives apiVersion, singular, resource names, scopes and defaults', () => {
    const d = defineCompositeController({
      ...base,
      parent: { ...base.parent, scope: 'Cluster' },
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
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        resource: 'configmaps',
        scope: 'Namespaced',
        updateStrategy: {},
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        resource: 'networkpolicies',
        scope: 'Namespaced',
        updateStrategy: { method: 'InPlace' },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        resource: 'clusterroles',
        scope: 'Cluster',
        updateStrategy: {},
      },
    ])
    expect(d.finalize).toBeUndefined()
  })

  it.each([
    {
      name: 'a route name with capitals',
      input: { ...base, name: 'MyThing' },
      error: /lowercase DNS label/,
    },
    {
      name: 'a route name with a slash',
      input: { ...base, name: 'a/b' },
      error: /lowercase DNS label/,
    },
    {
      name: 'a child type declared twice',
      input: { ...base, children: [base.children[0]!, base.children[0]!] },
      error: /ConfigMap.v1 is declared twice/,
    },
  ])('refuses $name', ({ input, error }) => {
    expect(() => defineCompositeController(input)).toThrow(error)
  })
})

// What Metacontroller refuses (or silently gets wrong) is refused when the controller is defined.
describe('definitions Metacontroller would refuse', () => {
  const services = { apiVersion: 'v1', resource: 'services', kind: 'Service' }
  const namespaces = { apiVersion: 'v1', resource: 'namespaces' }
  const v1 = { hookVersion: 'v1' as const }
  const cluster = { parent: { ...base.parent, scope: 'Cluster' as const } }
  const finalize = () => ({ children: [], status: {}, finalized: true })

  it.each([
    {
      name: 'v1, namespaced parent, namespaceSelector',
      reason:
        'Metacontroller answers "namespaceSelector is not supported for namespaced parent in v1 hook version": no children, no status',
      input: { ...base, ...v1, related: [{ ...services, namespaceSelector: true }] },
      error:
        /related services is selected by namespaceSelector, which Metacontroller refuses under hookVersion v1 for a namespaced parent/,
    },
    {
      name: 'v1, namespaced parent, a cluster-scoped related type',
      reason:
        'under v1 the related map of a namespaced parent is cut to its namespace: cluster-scoped objects never arrive',
      input: { ...base, ...v1, related: [namespaces] },
      error:
        /related namespaces is cluster-scoped, and under hookVersion v1 Metacontroller drops cluster-scoped related objects/,
    },
    {
      name: 'v1, namespaced parent, finalize',
      reason: 'finalize could not see its own Namespace terminating',
      input: { ...base, ...v1, finalize },
      error: /a namespaced controller with a finalize hook needs hookVersion v2/,
    },
    {
      name: 'a namespaceSelector for a cluster-scoped type',
      reason: 'Metacontroller refuses the rule whatever the hook version',
      input: { ...base, ...cluster, related: [{ ...namespaces, namespaceSelector: true }] },
      error:
        /related namespaces is cluster-scoped, and Metacontroller refuses a namespaceSelector for a cluster-scoped resource/,
    },
    {
      name: 'a declared cluster-scoped CRD with a namespaceSelector',
      reason: 'the declared scope counts, not only the built-in table',
      input: {
        ...base,
        related: [
          {
            apiVersion: 'g.example/v1',
            resource: 'tenants',
            kind: 'Tenant',
            scope: 'Cluster' as const,
            namespaceSelector: true,
          },
        ],
      },
      error: /related tenants is cluster-scoped/,
    },
    {
      name: 'a cluster-scoped child of a namespaced parent',
      reason:
        'its ownerReference would name a namespaced owner; the garbage collector refuses it and the child is never cleaned up',
      input: {
        ...base,
        children: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' }],
      },
      error: /ClusterRole is cluster-scoped and cannot be the child of a namespaced object/,
    },
  ])('refuses $name: $reason', ({ input, error }) => {
    expect(() =>
      defineCompositeController(input as Parameters<typeof defineCompositeController>[0]),
    ).toThrow(error)
  })

  it.each([
    {
      name: 'v2, namespaced parent, namespaceSelector',
      input: { ...base, related: [{ ...services, namespaceSelector: true }] },
    },
    {
      name: 'v1, cluster-scoped parent, namespaceSelector',
      input: { ...base, ...v1, ...cluster, related: [{ ...services, namespaceSelector: true }] },
    },
    {
      name: 'v1, cluster-scoped parent, finalize and cluster-scoped related',
      input: { ...base, ...v1, ...cluster, finalize, related: [namespaces] },
    },
    {
      name: 'v1, namespaced parent, namespaced related',
      input: { ...base, ...v1, related: [services] },
    },
  ])('accepts $name', ({ input }) => {
    expect(
      defineCompositeController(input as Parameters<typeof defineCompositeController>[0]).name,
    ).toBe('thing')
  })

  it('a decorator on namespaced objects may not attach cluster-scoped objects either', async () => {
    const { defineDecoratorController } = await import('../../hooks/core/define.ts')
    expect(() =>
      defineDecoratorController({
        name: 'binder',
        resources: [{ apiVersion: 'v1', kind: 'ServiceAccount' }],
        attachments: [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            binds: { clusterRoles: ['view'] },
          },
        ],
        sync: () => ({ attachments: [] }),
      }),
    ).toThrow(/ClusterRoleBinding is cluster-scoped and cannot be the child of a namespaced object/)
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
      sync: ({ spec }) =>
        spec.window.includes('-')
          ? { children: [], status: {} }
          : invalidSpec('window', 'must be a range like 9-17'),
    })
    const parent = {
      apiVersion: 'g.example/v1',
      kind: 'Thing',
      metadata: { name: 't', namespace: 'default' },
      spec: { window: 'always' },
    }
    const outcome = await runHook(d, 'sync', compositeRequest(d, { parent }))
    expect(outcome).toMatchObject({
      ok: false,
      status: 422,
      message: 'invalid parent spec: spec.window: must be a range like 9-17',
    })
  })
})

describe('binding children declare the roles they bind', () => {
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' }
  it.each([
    {
      name: 'a RoleBinding child without binds',
      reason: 'Metacontroller needs bind on the role, so the RBAC must know it',
      children: [binding],
      error: /child type RoleBinding.rbac.authorization.k8s.io\/v1 must declare binds/,
    },
    {
      name: 'binds with no names',
      reason: 'an empty list grants nothing',
      children: [{ ...binding, binds: { clusterRoles: [] } }],
      error: /must declare binds/,
    },
    {
      name: 'binds on a ConfigMap',
      reason: 'only bindings name roles',
      children: [{ apiVersion: 'v1', kind: 'ConfigMap', binds: { roles: ['x'] } }],
      error: /binds is for RoleBinding and ClusterRoleBinding children, not ConfigMap.v1/,
    },
    {
      name: 'a wildcard',
      reason: 'least privilege: bind on every role is escalation to anything',
      children: [{ ...binding, binds: { clusterRoles: ['*'] } }],
      error: /binds names "\*", which is not a role name/,
    },
    {
      name: 'Roles for a ClusterRoleBinding',
      reason: 'a ClusterRoleBinding can only name a ClusterRole',
      parent: { ...base.parent, scope: 'Cluster' as const },
      children: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          binds: { roles: ['x'] },
        },
      ],
      error: /a ClusterRoleBinding can only bind ClusterRoles/,
    },
  ])('refuses $name: $reason', ({ children, error, parent }) => {
    expect(() =>
      defineCompositeController({ ...base, ...(parent && { parent }), children } as Parameters<
        typeof defineCompositeController
      >[0]),
    ).toThrow(error)
  })

  it('the response check refuses a binding to a role the type does not declare (Metacontroller could not create it)', async () => {
    const { runHook } = await import('../../hooks/core/run.ts')
    const { compositeRequest } = await import('../../hooks/core/testing/requests.ts')
    const roleBinding = (kind: string, name: string) => ({
      ...binding,
      metadata: { name: `to-${name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    })
    const d = defineCompositeController({
      ...base,
      parent: { ...base.parent, spec: z.object({ kind: z.string(), role: z.string() }) },
      children: [{ ...binding, binds: { clusterRoles: ['view'], roles: ['reader'] } }],
      generateSelector: true,
      sync: ({ spec }) => ({ children: [roleBinding(spec.kind, spec.role)], status: {} }),
    })
    const call = (kind: string, role: string) =>
      runHook(
        d,
        'sync',
        compositeRequest(d, {
          parent: {
            apiVersion: 'g.example/v1',
            kind: 'Thing',
            metadata: { name: 't', namespace: 'default', uid: 'u' },
            spec: { kind, role },
          },
        }),
      )
    expect(await call('ClusterRole', 'view')).toMatchObject({ ok: true })
    expect(await call('Role', 'reader')).toMatchObject({ ok: true })
    for (const [kind, role] of [
      ['ClusterRole', 'admin'],
      ['Role', 'view'],
      ['ClusterRole', 'reader'],
    ] as const) {
      expect(await call(kind, role)).toMatchObject({
        ok: false,
        status: 500,
        message: expect.stringMatching(
          /roleRef .* is not among the roles the child type declares in binds/,
        ),
      })
    }
  })
})
