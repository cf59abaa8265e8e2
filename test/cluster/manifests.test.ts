import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KubernetesObject } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { generateManifests, type GenerateOptions } from '../../hooks/core/manifests/generate.ts'
import { controllers } from '../../hooks/registry.ts'
import { ROOT } from '../fixtures/server.ts'
import { kubeconfigYaml } from './cluster.ts'
import { dryRunCreate, kubeConfig, objectsClient } from './client.ts'
import { ensureNamespace } from './children.ts'
import { exampleObjects } from '../fixtures/examples.ts'
import { generatedCrds } from './setup.ts'

const cluster = inject('cluster')
const client = objectsClient(kubeConfig(cluster.open))

type Crd = KubernetesObject & {
  spec: {
    names: { plural: string }
    group: string
    versions: {
      name: string
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[]
    }[]
  }
  status?: { conditions?: { type: string; status: string }[] }
}

/** Dry-runs objects (namespaces made for real first); returns the refusals. */
async function refused(
  objects: readonly { where: string; object: KubernetesObject }[],
): Promise<string[]> {
  const out: string[] = []
  for (const { where, object } of objects) {
    if (object.metadata?.namespace) await ensureNamespace(client, object.metadata.namespace)
    const refusal = await dryRunCreate(client, object)
    // Objects the tier made for real (CRDs, namespaces) already exist: that is acceptance enough.
    if (refusal && !refusal.startsWith('409'))
      out.push(
        `${where} ${object.kind} ${object.metadata?.name ?? object.metadata?.generateName}: ${refusal}`,
      )
  }
  return out
}

describe('generated manifests on a real API server', () => {
  it('every generated CRD is Established, with the printer columns we declared', async () => {
    for (const crd of generatedCrds() as Crd[]) {
      let stored: Crd | undefined
      await expect
        .poll(
          async () => {
            stored = (await client.read({
              apiVersion: crd.apiVersion,
              kind: crd.kind,
              metadata: { name: crd.metadata!.name! },
            })) as Crd
            return stored.status?.conditions?.find((c) => c.type === 'Established')?.status
          },
          { timeout: 30_000 },
        )
        .toBe('True')
      expect(stored!.spec.versions.map((v) => v.additionalPrinterColumns ?? [])).toEqual(
        crd.spec.versions.map((v) => v.additionalPrinterColumns ?? []),
      )
    }
  })

  // CompositeController/DecoratorController need Metacontroller's own CRDs, which no package
  // registry serves; `metahooks validate` checks them offline against the contract's schema.
  const metacontrollerKinds = new Set(['CompositeController', 'DecoratorController'])
  const variants: { name: string; options: GenerateOptions }[] = [
    { name: 'plain', options: { target: 'cluster' } },
    { name: 'auth', options: { target: 'cluster', auth: true } },
    { name: 'TLS', options: { target: 'cluster', tls: true } },
    { name: 'mTLS', options: { target: 'cluster', mtls: true, auth: true } },
  ]
  it.each(variants)(
    'the $name manifests tree passes a server-side dry run with strict field validation',
    async ({ options }) => {
      const objects = [...generateManifests(controllers, options).entries()]
        .filter(([path]) => !path.includes('/helm/') && path !== 'kustomization.yaml')
        .flatMap(([path, text]) =>
          parseAllDocuments(text).map((d) => ({
            where: path,
            object: d.toJS() as KubernetesObject,
          })),
        )
        .filter(
          ({ object }) =>
            object &&
            !metacontrollerKinds.has(object.kind!) &&
            object.kind !== 'CustomResourceDefinition',
        )
      expect(objects.length).toBeGreaterThan(3)
      expect(await refused(objects)).toEqual([])
    },
  )

  it('every example passes a server-side dry run', async () => {
    const objects = exampleObjects().map(({ file, object }) => ({
      where: file,
      object: object as KubernetesObject,
    }))
    expect(objects.length).toBeGreaterThan(10)
    expect(await refused(objects)).toEqual([])
  })

  it("`kubectl kustomize` (the tier's pinned kubectl, v1.35.4) builds the committed kustomization: every CRD and controller, and the server", () => {
    const built = spawnSync(join(cluster.bin, 'kubectl'), ['kustomize', ROOT], { encoding: 'utf8' })
    expect(built.status, built.stderr).toBe(0)
    const kinds = parseAllDocuments(built.stdout).map((d) => (d.toJS() as KubernetesObject).kind)
    const count = (kind: string) => kinds.filter((k) => k === kind).length
    expect(count('CustomResourceDefinition')).toBe(generatedCrds().length)
    expect(count('CompositeController') + count('DecoratorController')).toBe(controllers.length)
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service']))
    const dir = mkdtempSync(join(tmpdir(), 'metahooks-kubectl-'))
    try {
      const kubeconfig = join(dir, 'kubeconfig')
      writeFileSync(join(dir, 'ca.crt'), cluster.open.ca)
      writeFileSync(kubeconfig, kubeconfigYaml(cluster.open, join(dir, 'ca.crt')))
      const version = spawnSync(
        join(cluster.bin, 'kubectl'),
        ['--kubeconfig', kubeconfig, 'version', '-o', 'json'],
        { encoding: 'utf8' },
      )
      expect(version.status, version.stderr).toBe(0)
      expect(JSON.parse(version.stdout).clientVersion.gitVersion).toBe('v1.35.4')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
