import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoreV1Api, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { loadGoldenCases, runGoldenCase } from '../../hooks/core/testing/golden.ts'
import { controllers } from '../../hooks/registry.ts'
import { ROOT } from '../fixtures/server.ts'
import { apiMessage, kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { childrenOf, refusedChildren } from './children.ts'

// The API server in RBAC mode, and a client holding only the generated Metacontroller RBAC
// (deploy/metacontroller-rbac.yaml, applied as is): Metacontroller must be allowed to create every
// child any hook returns — RoleBindings included, which need `bind` on the role they grant.

const { rbac } = inject('cluster')
const admin = objectsClient(kubeConfig(rbac))

async function apply(object: KubernetesObject): Promise<void> {
  sendVerbatim(object)
  try {
    await admin.create(object)
  } catch (error) {
    if (!apiMessage(error).startsWith('409'))
      throw new Error(`${object.kind} ${object.metadata?.name}: ${apiMessage(error)}`)
  }
}

/** A client that authenticates as a ServiceAccount, with a token from the TokenRequest API. */
async function asServiceAccount(namespace: string, name: string): Promise<KubernetesObjectApi> {
  const core = kubeConfig(rbac).makeApiClient(CoreV1Api)
  const { status } = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 } },
  })
  return objectsClient(kubeConfig(rbac, status!.token))
}

const rbacDocs = () =>
  parseAllDocuments(readFileSync(join(ROOT, 'deploy/metacontroller-rbac.yaml'), 'utf8')).map(
    (d) => d.toJS() as KubernetesObject & { rules?: { verbs: string[] }[] },
  )

/** Every child of every golden case, with its controller and parent. */
async function goldenChildren(): Promise<
  { definition: ControllerDefinition; parent: KObject; children: KObject[]; where: string }[]
> {
  const out = []
  for (const definition of controllers) {
    for (const c of loadGoldenCases(join(ROOT, 'test/golden', definition.name)).filter(
      (g) => !g.expectedError,
    )) {
      const actual = await runGoldenCase(definition, c)
      if (actual.ok)
        out.push({
          definition,
          parent: c.parent,
          children: childrenOf(actual.response),
          where: `${definition.name}/${c.name}`,
        })
    }
  }
  return out
}

async function refusalsFor(
  client: KubernetesObjectApi,
  only?: (child: KObject) => boolean,
): Promise<string[]> {
  const refusals: string[] = []
  for (const { definition, parent, children, where } of await goldenChildren()) {
    const chosen = only ? children.filter(only) : children
    refusals.push(
      ...(await refusedChildren(client, definition, parent, chosen)).map((r) => `${where}: ${r}`),
    )
  }
  return refusals
}

const isBinding = (c: KObject) => c.kind === 'RoleBinding'

describe('the generated Metacontroller RBAC on an API server in RBAC mode', () => {
  beforeAll(async () => {
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metacontroller' } })
    await apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'metacontroller', namespace: 'metacontroller' },
    })
    for (const doc of rbacDocs()) await apply(doc)
    // The same role without its `bind` rules, for the control case.
    const role = rbacDocs().find((d) => d.kind === 'ClusterRole')!
    await apply({
      ...role,
      metadata: { name: 'without-bind' },
      rules: role.rules!.filter((r) => !r.verbs.includes('bind')),
    } as KubernetesObject)
    await apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'without-bind', namespace: 'metacontroller' },
    })
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'without-bind' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'without-bind' },
      subjects: [{ kind: 'ServiceAccount', name: 'without-bind', namespace: 'metacontroller' }],
    } as KubernetesObject)
    // The roles the catalogue binds exist in a real cluster (kube-apiserver's bootstrap roles).
  })

  it('lets Metacontroller create every child of every golden case, RoleBindings included', async () => {
    const metacontroller = await asServiceAccount('metacontroller', 'metacontroller')
    const all = await goldenChildren()
    expect(all.flatMap((g) => g.children).some(isBinding)).toBe(true)
    expect(await refusalsFor(metacontroller)).toEqual([])
  })

  it('without the bind rules the same RoleBindings are refused (what the real run saw)', async () => {
    const withoutBind = await asServiceAccount('metacontroller', 'without-bind')
    const refusals = await refusalsFor(withoutBind, isBinding)
    expect(refusals.length).toBeGreaterThan(0)
    for (const r of refusals)
      expect(r).toMatch(/403: .*is attempting to grant RBAC permissions not currently held/)
  })

  it('binds only the declared roles: a RoleBinding to cluster-admin is refused', async () => {
    const metacontroller = await asServiceAccount('metacontroller', 'metacontroller')
    const { definition, parent, children } = (await goldenChildren()).find((g) =>
      g.children.some(isBinding),
    )!
    const binding = {
      ...children.find(isBinding)!,
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
    } as KObject
    const refusals = await refusedChildren(metacontroller, definition, parent, [binding])
    expect(refusals).toEqual([expect.stringMatching(/403: .*forbidden/)])
  })
})
