import { describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest, decoratorRequest } from '../../hooks/core/testing/requests.ts'
import {
  clusterThing,
  clusterThingParent,
  configMap,
  echo,
  echoParent,
  labeler,
  selectorThing,
} from '../fixtures/controllers.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'

const cm = (
  name: string,
  extra: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...metadata },
  ...extra,
})

/** Runs the echo controller with a canned response, the way the server would. */
async function echoing(response: Record<string, unknown>) {
  return runHook(echo, 'sync', compositeRequest(echo, { parent: echoParent({ response }) }))
}

describe('response check: composite rules', () => {
  const cases: {
    name: string
    reason: string
    response: Record<string, unknown>
    error: RegExp
  }[] = [
    {
      name: 'unknown key',
      reason: 'strict v2 decoding rejects it; loose mode would drop it',
      response: { children: [], status: {}, labels: {} },
      error: /unknown response key "labels"/,
    },
    {
      name: 'mis-cased key',
      reason: 'Metacontroller matches keys case-sensitively',
      response: { Children: [], status: {} },
      error: /unknown response key "Children".*children must be an array/,
    },
    {
      name: 'children missing',
      reason: 'an omitted list deletes every child',
      response: { status: {} },
      error: /children must be an array/,
    },
    {
      name: 'children null',
      reason: 'null deletes every child too',
      response: { children: null, status: {} },
      error: /children must be an array/,
    },
    {
      name: 'status missing',
      reason: 'a composite status is replaced, so omitting it wipes it',
      response: { children: [] },
      error: /status is required/,
    },
    {
      name: 'null child',
      reason: 'null elements crash Metacontroller',
      response: { children: [null], status: {} },
      error: /children\[0\]/,
    },
    {
      name: 'child without kind',
      reason: 'the whole response would fail to decode',
      response: { children: [{ apiVersion: 'v1', metadata: { name: 'x' } }], status: {} },
      error: /child \? x: kind is missing/,
    },
    {
      name: 'undeclared kind',
      reason: 'never observed, never deleted',
      response: {
        children: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }],
        status: {},
      },
      error: /child Secret x: kind Secret is not a declared child type/,
    },
    {
      name: 'wrong apiVersion',
      reason: 'Metacontroller would delete the declared-version child',
      response: {
        children: [{ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x' } }],
        status: {},
      },
      error: /apiVersion "apps\/v1beta1" is not the declared apps\/v1/,
    },
    {
      name: 'missing apiVersion',
      reason: 'decodes as an unknown type',
      response: { children: [{ kind: 'ConfigMap', metadata: { name: 'x' } }], status: {} },
      error: /apiVersion null is not the declared v1/,
    },
    {
      name: 'missing name',
      reason: 'generateName never matches its key',
      response: { children: [cm('')], status: {} },
      error: /metadata.name is missing/,
    },
    {
      name: 'name with slash',
      reason: 'not an object name',
      response: { children: [cm('a/b')], status: {} },
      error: /metadata.name is not a valid ConfigMap name \(a DNS-1123 subdomain/,
    },
    {
      name: 'name with capitals',
      reason: 'a ConfigMap name is a DNS-1123 subdomain',
      response: { children: [cm('A_B')], status: {} },
      error: /metadata.name is not a valid ConfigMap name/,
    },
    {
      name: 'name past 253',
      reason: 'the API server refuses it',
      response: { children: [cm('n'.repeat(254))], status: {} },
      error: /at most 253 characters/,
    },
    {
      name: 'label value past 63',
      reason: 'a label value holds at most 63 characters',
      response: { children: [cm('x', {}, { labels: { app: 'n'.repeat(64) } })], status: {} },
      error: /metadata.labels.app value "n{64}" is not a valid label value/,
    },
    {
      name: 'label value with a slash',
      reason: 'not a label value character',
      response: { children: [cm('x', {}, { labels: { app: 'a/b' } })], status: {} },
      error: /is not a valid label value/,
    },
    {
      name: 'label key with spaces',
      reason: 'not a label key',
      response: { children: [cm('x', {}, { labels: { 'my app': 'a' } })], status: {} },
      error: /metadata.labels key "my app" is not a valid key/,
    },
    {
      name: 'annotation key past 63',
      reason: 'annotation keys follow the label-key rule',
      response: { children: [cm('x', {}, { annotations: { ['k'.repeat(64)]: 'v' } })], status: {} },
      error: /metadata.annotations key "k{64}" is not a valid key/,
    },
    {
      name: 'other namespace',
      reason: 'cross-namespace owners are garbage-collected',
      response: { children: [cm('x', {}, { namespace: 'kube-system' })], status: {} },
      error: /namespace kube-system differs from the parent's namespace default/,
    },
    {
      name: 'observed-only field',
      reason: 'a resourceVersion makes the create fail',
      response: { children: [cm('x', {}, { resourceVersion: '12' })], status: {} },
      error: /metadata.resourceVersion is set by the API server/,
    },
    {
      name: 'uid copied back',
      reason: 'observed objects must not be copied back',
      response: { children: [cm('x', {}, { uid: 'u' })], status: {} },
      error: /metadata.uid/,
    },
    {
      name: 'status on a child',
      reason: 'never applied',
      response: { children: [cm('x', { status: {} })], status: {} },
      error: /status cannot be set on a child/,
    },
    {
      name: 'last-applied annotation',
      reason: 'belongs to Metacontroller',
      response: {
        children: [
          cm(
            'x',
            {},
            { annotations: { 'metacontroller.k8s.io/last-applied-configuration': '{}' } },
          ),
        ],
        status: {},
      },
      error: /belongs to Metacontroller/,
    },
    {
      name: 'non-string label',
      reason: 'Metacontroller fails the pass on it',
      response: { children: [cm('x', {}, { labels: { a: 1 } })], status: {} },
      error: /metadata.labels.a must be a string/,
    },
    {
      name: 'null inside a child',
      reason: 'null means delete-this-field to an apply',
      response: { children: [cm('x', { data: { a: null } })], status: {} },
      error: /data.a is null/,
    },
    {
      name: 'controller ownerReference',
      reason: 'two controllers are rejected by the API server',
      response: {
        children: [cm('x', {}, { ownerReferences: [{ controller: true }] })],
        status: {},
      },
      error: /controller ownerReference/,
    },
    {
      name: 'duplicate child',
      reason: 'last one would win silently',
      response: { children: [cm('x'), cm('x', {}, { namespace: 'default' })], status: {} },
      error: /duplicate/,
    },
    {
      name: 'finalized from sync',
      reason: 'the finalizer would be removed and re-added',
      response: { children: [], status: {}, finalized: true },
      error: /sync hook must not return finalized: true/,
    },
    {
      name: 'negative resync',
      reason: 'not a duration',
      response: { children: [], status: {}, resyncAfterSeconds: -1 },
      error: /resyncAfterSeconds/,
    },
    {
      name: 'string resync',
      reason: 'a type mismatch fails decoding',
      response: { children: [], status: {}, resyncAfterSeconds: '5' },
      error: /resyncAfterSeconds/,
    },
  ]

  it.each(cases)('$name → 500 ($reason)', async ({ response, error }) => {
    const outcome = await echoing(response)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(500)
    expect(outcome.message).toMatch(/^response check failed: /)
    expect(outcome.message).toMatch(error)
  })

  it('passes a clean response and keeps only documented keys in order', async () => {
    const outcome = await echoing({
      resyncAfterSeconds: 30,
      children: [cm('x', { data: { a: '1' } })],
      status: { ok: true },
    })
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    expect(outcome.body).toBe(
      '{"status":{"ok":true},"children":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"}}],"resyncAfterSeconds":30}',
    )
  })
})

describe('response check: scopes and selectors', () => {
  it('requires a namespace on namespaced children of a cluster-scoped parent', async () => {
    const bad = { ...clusterThing, sync: () => ({ children: [cm('x')], status: {} }) }
    const outcome = await runHook(
      bad,
      'sync',
      compositeRequest(bad, { parent: clusterThingParent() }),
    )
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(
        /ConfigMap x: metadata.namespace is required under a cluster-scoped parent/,
      ),
    })
  })

  it('rejects a namespace on a cluster-scoped child', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r', namespace: 'x' },
    }
    const bad = { ...clusterThing, sync: () => ({ children: [role], status: {} }) }
    const outcome = await runHook(
      bad,
      'sync',
      compositeRequest(bad, { parent: clusterThingParent() }),
    )
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(/ClusterRole is cluster-scoped/),
    })
  })

  it('rejects a cluster-scoped child under a namespaced parent', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
    }
    const bad = {
      ...clusterThing,
      parent: { ...clusterThing.parent, scope: 'Namespaced' as const },
      sync: () => ({ children: [role], status: {} }),
    }
    const parent = { ...clusterThingParent(), metadata: { name: 'p', namespace: 'default' } }
    const outcome = await runHook(bad, 'sync', compositeRequest(bad, { parent }))
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(/cluster-scoped child cannot belong to a namespaced parent/),
    })
  })

  const selectorParent = (
    labels: Record<string, string>,
    selector: unknown = { matchLabels: { app: 'x' } },
  ): KObject => ({
    apiVersion: 'test.metahooks.dev/v1',
    kind: 'SelectorThing',
    metadata: { name: 's', namespace: 'default' },
    spec: { selector, labels },
  })

  it.each<{ name: string; labels: Record<string, string>; ok: boolean }>([
    { name: 'labels match the selector', labels: { app: 'x', extra: 'y' }, ok: true },
    { name: 'labels miss the selector', labels: { app: 'y' }, ok: false },
  ])('without generateSelector: $name', async ({ labels, ok }) => {
    const outcome = await runHook(
      selectorThing,
      'sync',
      compositeRequest(selectorThing, { parent: selectorParent(labels) }),
    )
    expect(outcome.ok).toBe(ok)
    if (!outcome.ok)
      expect(outcome.message).toMatch(/labels do not match the parent's spec.selector/)
  })

  it('without generateSelector, an empty parent selector is a 500 before anything is sent', async () => {
    const parent = selectorParent({ app: 'x' }, { matchLabels: {} })
    const outcome = await runHook(
      selectorThing,
      'sync',
      compositeRequest(selectorThing, { parent }),
    )
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(/no usable spec.selector/),
    })
  })
})

describe('response check: decorators', () => {
  const target = configMap('cfg', 'default', {
    'labeler.test/enabled': 'true',
    'labeler.test/team': 'blue',
  })

  it('answers with labels (null deletes), status null and the attachments', async () => {
    const outcome = await runHook(labeler, 'sync', decoratorRequest(labeler, { parent: target }))
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    expect(JSON.parse(outcome.body)).toEqual({
      labels: { team: 'blue', obsolete: null },
      status: null,
      attachments: [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'cfg-team' },
          stringData: { team: 'blue' },
        },
      ],
    })
  })

  it('rejects a non-string label value', async () => {
    const bad = {
      ...labeler,
      sync: () => ({ attachments: [], labels: { a: 5 as unknown as string } }),
    }
    const outcome = await runHook(bad, 'sync', decoratorRequest(bad, { parent: target }))
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(/labels.a/),
    })
  })

  it('answers 422 when the target object fails the decorator schema', async () => {
    const outcome = await runHook(
      labeler,
      'sync',
      decoratorRequest(labeler, {
        parent: configMap('cfg', 'default', { 'labeler.test/team': 'Blue!' }),
      }),
    )
    expect(outcome).toMatchObject({
      ok: false,
      status: 422,
      message: expect.stringMatching(/^invalid ConfigMap: metadata.annotations.labeler.test\/team/),
    })
  })

  it('finalize reports finalized only once no attachments remain', async () => {
    const attached = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cfg-team', namespace: 'default' },
    }
    const pending = await runHook(
      labeler,
      'finalize',
      decoratorRequest(labeler, { parent: target, observed: [attached], finalizing: true }),
    )
    const done = await runHook(
      labeler,
      'finalize',
      decoratorRequest(labeler, { parent: target, finalizing: true }),
    )
    expect(pending.ok && JSON.parse(pending.body)).toEqual({
      status: null,
      attachments: [],
      finalized: false,
    })
    expect(done.ok && JSON.parse(done.body)).toEqual({
      status: null,
      attachments: [],
      finalized: true,
    })
  })
})

describe('response check: customize', () => {
  it('returns the rules', async () => {
    const outcome = await runHook(clusterThing, 'customize', {
      controller: {},
      parent: clusterThingParent(),
    })
    expect(outcome.ok && JSON.parse(outcome.body)).toEqual({
      relatedResources: [{ apiVersion: 'v1', resource: 'namespaces', names: ['team-a', 'team-b'] }],
    })
  })

  it.each([
    {
      name: 'names with labelSelector',
      rule: { apiVersion: 'v1', resource: 'secrets', names: ['a'], labelSelector: {} },
      error: /names cannot be combined/,
    },
    {
      name: 'namespace with namespaceSelector',
      rule: { apiVersion: 'v1', resource: 'secrets', namespace: 'a', namespaceSelector: {} },
      error: /namespace cannot be combined/,
    },
    {
      name: 'unknown rule key',
      rule: { apiVersion: 'v1', resource: 'secrets', Names: ['a'] },
      error: /Unrecognized key: "Names"/,
    },
    {
      name: 'resource given as a kind',
      rule: { apiVersion: 'v1', resource: 'Secret' },
      error: /lowercase plural resource name/,
    },
  ])('rejects $name', async ({ rule, error }) => {
    const bad = { ...clusterThing, customize: () => [rule as never] }
    const outcome = await runHook(bad, 'customize', {
      controller: {},
      parent: clusterThingParent(),
    })
    expect(outcome).toMatchObject({ ok: false, status: 500, message: expect.stringMatching(error) })
  })

  it('rejects a rule for a type the controller did not declare as related (RBAC is generated from them)', async () => {
    const bad = {
      ...clusterThing,
      customize: () => [{ apiVersion: 'v1', resource: 'secrets', names: ['a'] }],
    }
    const outcome = await runHook(bad, 'customize', {
      controller: {},
      parent: clusterThingParent(),
    })
    expect(outcome).toMatchObject({
      ok: false,
      status: 500,
      message: expect.stringMatching(
        /secrets \(v1\) is not among the controller's declared related types/,
      ),
    })
  })

  // A definition built without defineCompositeController's checks (a spread), as a bug could make one:
  // the response check still stops each rule Metacontroller would refuse.
  const secrets = {
    apiVersion: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    scope: 'Namespaced' as const,
  }
  it.each([
    {
      name: 'a namespaceSelector the type does not declare',
      hookVersion: 'v2' as const,
      declared: secrets,
      rule: { apiVersion: 'v1', resource: 'secrets', namespaceSelector: {} },
      error:
        /a namespaceSelector for secrets, whose related type does not declare namespaceSelector: true/,
    },
    {
      name: 'a namespaceSelector under v1 for a namespaced parent',
      hookVersion: 'v1' as const,
      declared: { ...secrets, namespaceSelector: true },
      rule: { apiVersion: 'v1', resource: 'secrets', namespaceSelector: {} },
      error: /namespaceSelector needs hook version v2 for a namespaced parent/,
    },
    {
      name: 'another namespace under v1 for a namespaced parent',
      hookVersion: 'v1' as const,
      declared: secrets,
      rule: { apiVersion: 'v1', resource: 'secrets', namespace: 'elsewhere', names: ['a'] },
      error:
        /namespace elsewhere is not the parent's, which Metacontroller refuses under hook version v1/,
    },
  ])('rejects $name', async ({ hookVersion, declared, rule, error }) => {
    const bad = { ...echo, hookVersion, related: [declared], customize: () => [rule] }
    const outcome = await runHook(bad, 'customize', { controller: {}, parent: echoParent({}) })
    expect(outcome).toMatchObject({ ok: false, status: 500, message: expect.stringMatching(error) })
  })

  it.each([
    {
      name: 'a declared namespaceSelector under v2',
      hookVersion: 'v2' as const,
      declared: { ...secrets, namespaceSelector: true },
      rule: { apiVersion: 'v1', resource: 'secrets', namespaceSelector: {} },
    },
    {
      name: "the parent's own namespace under v1",
      hookVersion: 'v1' as const,
      declared: secrets,
      rule: { apiVersion: 'v1', resource: 'secrets', namespace: 'default', names: ['a'] },
    },
  ])('accepts $name', async ({ hookVersion, declared, rule }) => {
    const ok = { ...echo, hookVersion, related: [declared], customize: () => [rule] }
    const outcome = await runHook(ok, 'customize', { controller: {}, parent: echoParent({}) })
    expect(outcome.ok && JSON.parse(outcome.body)).toEqual({ relatedResources: [rule] })
  })
})
