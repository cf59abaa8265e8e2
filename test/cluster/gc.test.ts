import type { KubernetesObject } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { render } from '../../hooks/core/testing/render.ts'
import mypod from '../../hooks/mypod/index.ts'
import webpinger from '../../hooks/webpinger/index.ts'
import { apiMessage, kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { childrenOf, ensureNamespace } from './children.ts'
import { exampleParents } from '../fixtures/examples.ts'

// The study notes' cascading deletion, for real: a parent and the children a hook asked for,
// created with the owner references Metacontroller sets; deleting the parent removes them through
// kube-controller-manager's garbage collector.

const client = objectsClient(kubeConfig(inject('cluster').open))

async function create(object: KubernetesObject): Promise<KubernetesObject> {
  sendVerbatim(object)
  try {
    return await client.create(object)
  } catch (error) {
    throw new Error(`creating ${object.kind} ${object.metadata?.name}: ${apiMessage(error)}`)
  }
}

const exists = async (o: KubernetesObject) => {
  try {
    await client.read({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata!.name!, namespace: o.metadata!.namespace },
    })
    return true
  } catch (error) {
    if (apiMessage(error).startsWith('404')) return false
    throw error
  }
}

describe.each([
  { definition: mypod as ControllerDefinition, propagation: 'Background' },
  { definition: mypod as ControllerDefinition, propagation: 'Foreground' },
  { definition: webpinger as ControllerDefinition, propagation: 'Background' },
  { definition: webpinger as ControllerDefinition, propagation: 'Foreground' },
])('$definition.name, $propagation deletion', ({ definition, propagation }) => {
  it('deleting the parent removes every child through the garbage collector', async () => {
    const namespace = `gc-${definition.name}-${propagation.toLowerCase()}`
    await ensureNamespace(client, namespace)
    const { parent: example, objects } = exampleParents(definition)[0]!
    const parent = await create({
      ...example,
      metadata: { name: example.metadata.name, namespace },
    } as KubernetesObject)
    const rendered = await render(definition, { parent: parent as KObject, observed: objects })
    const owner = {
      apiVersion: parent.apiVersion!,
      kind: parent.kind!,
      name: parent.metadata!.name!,
      uid: parent.metadata!.uid!,
      controller: true,
      blockOwnerDeletion: true,
    }
    const children: KubernetesObject[] = []
    for (const child of childrenOf(rendered.response)) {
      children.push(
        await create({
          ...child,
          metadata: { ...child.metadata, namespace, ownerReferences: [owner] },
        } as KubernetesObject),
      )
    }
    expect(children.length).toBeGreaterThan(0)

    await client.delete(parent, undefined, undefined, undefined, undefined, propagation)
    await expect
      .poll(
        async () => (await Promise.all([parent, ...children].map(exists))).filter(Boolean).length,
        { timeout: 60_000, interval: 250 },
      )
      .toBe(0)
  })
})
