import type { TestProject } from 'vitest/node'
import { generateManifests } from '../../hooks/core/manifests/generate.ts'
import { controllers } from '../../hooks/registry.ts'
import { startCluster, type ClusterInfo } from './cluster.ts'
import { kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { parseAllDocuments } from 'yaml'
import type { KubernetesObject } from '@kubernetes/client-node'

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo
  }
}

/** The generated CRDs, as objects. */
export function generatedCrds(): KubernetesObject[] {
  return [...generateManifests(controllers, { target: 'cluster' }).values()]
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject))
    .filter((o) => o?.kind === 'CustomResourceDefinition')
}

/** One control plane for the whole tier; the generated CRDs installed on both API servers. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster()
  try {
    for (const server of [cluster.open, cluster.rbac]) {
      const client = objectsClient(kubeConfig(server))
      for (const crd of generatedCrds()) {
        sendVerbatim(crd)
        await client.create(crd)
      }
    }
  } catch (error) {
    await cluster.stop()
    throw error
  }
  project.provide('cluster', { open: cluster.open, rbac: cluster.rbac, bin: cluster.bin })
  return () => cluster.stop()
}
