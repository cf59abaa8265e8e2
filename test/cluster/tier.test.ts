import { VersionApi } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'
import { z } from 'zod'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { defineCompositeController } from '../../hooks/core/define.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { kubeConfig, objectsClient } from './client.ts'
import { childrenOf, refusedChildren } from './children.ts'
import { probe } from './cluster.ts'

// The tier itself: it runs the real thing, and it fails on a child the API server refuses even
// when every check of ours lets it through.

const { open } = inject('cluster')
const client = objectsClient(kubeConfig(open))

const broken = defineCompositeController({
  name: 'broken',
  parent: {
    group: 'tier.test',
    version: 'v1',
    kind: 'Broken',
    plural: 'brokens',
    scope: 'Namespaced',
    spec: z.object({}),
  },
  children: [
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'v1', kind: 'Pod' },
  ],
  generateSelector: true,
  sync: () => ({
    children: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fine' }, data: { key: 'value' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bad-key' },
        data: { 'not valid!': 'x' },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'typo' },
        spec: { containers: [{ name: 'main', image: 'nginx', imgae: 'nginx:1.27' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'port' },
        spec: { containers: [{ name: 'main', image: 'nginx', ports: [{ containerPort: 70000 }] }] },
      },
    ],
    status: {},
  }),
})

describe('the cluster tier', () => {
  it('talks to a real kube-apiserver v1.35.4', async () => {
    expect(await probe(open, '/readyz')).toBe(200)
    const version = await kubeConfig(open).makeApiClient(VersionApi).getCode()
    expect(version.gitVersion).toBe('v1.35.4')
  })

  it('fails on children the API server refuses though the hook answered 200 (a deliberately broken fixture)', async () => {
    const parent = {
      apiVersion: 'tier.test/v1',
      kind: 'Broken',
      metadata: { name: 'b', namespace: 'tier-broken', uid: 'u1' },
      spec: {},
    } as KObject
    const outcome = await runHook(broken, 'sync', compositeRequest(broken, { parent }))
    expect(outcome.ok, outcome.ok ? '' : outcome.message).toBe(true)
    if (!outcome.ok) return
    const refusals = await refusedChildren(client, broken, parent, childrenOf(outcome.response))
    expect(refusals).toEqual([
      expect.stringMatching(
        /^ConfigMap tier-broken\/bad-key: 422: .*data\[not valid!\]: Invalid value: "not valid!"/,
      ),
      expect.stringMatching(
        /^Pod tier-broken\/typo: 400: .*unknown field "spec.containers\[0\].imgae"/,
      ),
      expect.stringMatching(/^Pod tier-broken\/port: 422: .*containerPort: Invalid value: 70000/),
    ])
  })
})
