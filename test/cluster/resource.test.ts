import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { wrap } from '../../hooks/workflow/executor.ts'
import { readTerminationMessage } from '../../hooks/workflow/executor-message.ts'
import { resourceContainer } from '../../hooks/workflow/resource.ts'
import type { Template } from '../../hooks/workflow/schema.ts'
import { HAVE_BUSYBOX, runContainer, runContainerAsync } from '../workflow/local-kubelet.ts'
import { kubeconfigYaml } from './cluster.ts'
import { kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node'
import { parseAllDocuments } from 'yaml'
import { ROOT } from '../fixtures/server.ts'

// The resource template's executor for real: the script the Pod runs, with the tier's kubectl
// (v1.35.4, the release of the image the Pod names) against the real API server. PATH holds only
// that kubectl, so the machine's own can never be the one run.

const cluster = inject('cluster')
const client = objectsClient(kubeConfig(cluster.open))
const root = mkdtempSync(join(tmpdir(), 'metahooks-resource-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
writeFileSync(join(root, 'ca.crt'), cluster.open.ca)
writeFileSync(join(root, 'kubeconfig'), kubeconfigYaml(cluster.open, join(root, 'ca.crt')))
let count = 0

/** Runs a resource template's Pod (init, then main) on this machine; `during` runs while it polls. */
async function runResource(
  resource: NonNullable<Template['resource']>,
  outputs: { name: string; jsonPath: string }[] = [],
  during?: () => Promise<void>,
  kubeconfig = join(root, 'kubeconfig'),
  fetched: Record<string, string> = {},
) {
  const dir = join(root, `pod-${++count}`)
  const exec = join(dir, 'exec')
  mkdirSync(join(exec, 'in'), { recursive: true })
  // Input artifacts as the executor's init container leaves them.
  for (const [name, text] of Object.entries(fetched)) writeFileSync(join(exec, 'in', name), text)
  const template = {
    name: 't',
    resource,
    outputs: {
      parameters: outputs.map((o) => ({ name: o.name, valueFrom: { jsonPath: o.jsonPath } })),
    },
  } as Template
  const run = resourceContainer(
    template,
    {
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'Workflow',
      name: 'wf',
      uid: '3f0c9a52-5d8e-4c43-9d0e-6a4d8f3e2b11',
    },
    exec,
  )
  if (typeof run === 'string') throw new Error(run)
  const pod = wrap(run.main, run.argv, run.plan, undefined, exec)
  expect(runContainer(pod.init, { cwd: dir }).status).toBe(0)
  const log = join(dir, 'termination-log')
  const env = { PATH: cluster.bin, KUBECONFIG: kubeconfig }
  const [main] = await Promise.all([
    runContainerAsync(pod.main, { cwd: dir, log, env }),
    during?.(),
  ])
  const result = readTerminationMessage(readFileSync(log, 'utf8'))
  return { code: main.status, stderr: main.stderr, result }
}
const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n${Object.entries(
    data,
  )
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`
const setState = (name: string, state: string) => async () => {
  await new Promise((r) => setTimeout(r, 1500))
  const cm = await client.read({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
  })
  await client.replace({
    ...cm,
    data: { ...(cm as { data?: Record<string, string> }).data, state },
  })
}
const read = (name: string) =>
  client.read({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
  }) as Promise<{ metadata: { uid: string }; data?: Record<string, string> }>

describe.skipIf(!HAVE_BUSYBOX)(
  'resource templates: the executor with kubectl v1.35.4 against the real API server',
  () => {
    it('creates the object, waits until its successCondition holds, and reads its outputs by jsonPath', async () => {
      const run = await runResource(
        {
          action: 'create',
          manifest: configMap('rt-success', { state: 'pending', count: '3' }),
          successCondition: 'data.state == done, data.count > 2',
          failureCondition: 'data.state in (failed,error)',
        },
        [
          { name: 'uid', jsonPath: '{.metadata.uid}' },
          { name: 'count', jsonPath: '{.data.count}' },
        ],
        setState('rt-success', 'done'),
      )
      expect(run.code, run.stderr).toBe(0)
      expect(run.result?.parameters).toEqual({
        uid: (await read('rt-success')).metadata.uid,
        count: '3',
      })
    })

    it('fails with the reason once its failureCondition holds', async () => {
      const run = await runResource(
        {
          action: 'create',
          manifest: configMap('rt-failure', { state: 'pending' }),
          successCondition: 'data.state == done',
          failureCondition: 'data.state in (failed,error)',
        },
        [],
        setState('rt-failure', 'error'),
      )
      expect(run.code).toBe(1)
      expect(run.result?.message).toBe('configmap/rt-failure: the failure condition holds')
    })

    it("says kubectl's own reason when the action is refused (the object exists already)", async () => {
      await runResource({ action: 'create', manifest: configMap('rt-exists', { a: '1' }) })
      const again = await runResource({
        action: 'create',
        manifest: configMap('rt-exists', { a: '1' }),
      })
      expect(again.code).toBe(1)
      expect(again.result?.message).toMatch(
        /^kubectl create: Error from server \(AlreadyExists\).*rt-exists/,
      )
    })

    it('manifestFrom: the manifest is the input artifact the executor fetched', async () => {
      const run = await runResource(
        { action: 'create', manifestFrom: { artifact: { name: 'manifest' } } },
        [{ name: 'a', jsonPath: '{.data.a}' }],
        undefined,
        undefined,
        { manifest: configMap('rt-from-artifact', { a: 'from an artifact' }) },
      )
      expect(run.code, run.result?.message).toBe(0)
      expect(run.result?.parameters).toEqual({ a: 'from an artifact' })
    })

    it('apply, patch (merge and json), get with exists/! conditions, and delete', async () => {
      expect(
        (await runResource({ action: 'apply', manifest: configMap('rt-cycle', { a: '1' }) })).code,
      ).toBe(0)
      expect(
        (
          await runResource({
            action: 'patch',
            mergeStrategy: 'merge',
            manifest: configMap('rt-cycle', { b: '2' }),
          })
        ).code,
      ).toBe(0)
      expect(
        (
          await runResource({
            action: 'patch',
            mergeStrategy: 'json',
            manifest: '[{"op": "add", "path": "/data/c", "value": "3"}]',
            flags: ['configmap', 'rt-cycle'],
          })
        ).code,
      ).toBe(0)
      expect((await read('rt-cycle')).data).toEqual({ a: '1', b: '2', c: '3' })
      const got = await runResource(
        {
          action: 'get',
          manifest: configMap('rt-cycle', {}),
          successCondition: 'data.a, !data.z, data.b notin (1,3)',
        },
        [{ name: 'c', jsonPath: '{.data.c}' }],
      )
      expect(got.result?.parameters).toEqual({ c: '3' })
      expect(
        (await runResource({ action: 'delete', manifest: configMap('rt-cycle', {}) })).code,
      ).toBe(0)
      await expect(read('rt-cycle')).rejects.toThrow()
    })
  },
)

describe.skipIf(!HAVE_BUSYBOX)(
  'resource templates under the RBAC workflow-rbac generates (the RBAC API server)',
  () => {
    it("k8s-jobs.rbac.yaml lets the example's service account do exactly what its resource template does", async () => {
      const admin = objectsClient(kubeConfig(cluster.rbac))
      for (const doc of parseAllDocuments(
        readFileSync(join(ROOT, 'examples/workflows/k8s-jobs.rbac.yaml'), 'utf8'),
      )) {
        const object = doc.toJS() as KubernetesObject
        sendVerbatim(object)
        await admin.create(object)
      }
      const core = kubeConfig(cluster.rbac).makeApiClient(CoreV1Api)
      const { status } = await core.createNamespacedServiceAccountToken({
        name: 'k8s-jobs',
        namespace: 'default',
        body: { spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 } },
      })
      writeFileSync(join(root, 'rbac-ca.crt'), cluster.rbac.ca)
      const kubeconfig = join(root, 'k8s-jobs.kubeconfig')
      writeFileSync(
        kubeconfig,
        kubeconfigYaml(cluster.rbac, join(root, 'rbac-ca.crt'), status!.token),
      )
      const workflow = parseAllDocuments(
        readFileSync(join(ROOT, 'examples/workflows/k8s-jobs.yaml'), 'utf8'),
      )[0]!.toJS() as { spec: { templates: Template[] } }
      const piJob = workflow.spec.templates.find((t) => t.resource)!
      // The template as written, without the wait (no kubelet runs the Job here): create, then read it back.
      const made = await runResource(
        {
          ...piJob.resource!,
          successCondition: 'metadata.name',
          failureCondition: 'status.failed > 3',
        },
        [{ name: 'job-name', jsonPath: '{.metadata.name}' }],
        undefined,
        kubeconfig,
      )
      expect(made.code, made.result?.message ?? made.stderr).toBe(0)
      expect(made.result?.parameters['job-name']).toMatch(/^pi-job-/)
      const refused = await runResource(
        { action: 'create', manifest: configMap('not-granted', { a: '1' }) },
        [],
        undefined,
        kubeconfig,
      )
      expect(refused.code).toBe(1)
      expect(refused.result?.message).toMatch(
        /^kubectl create: Error from server \(Forbidden\).*cannot create resource "configmaps"/,
      )
    })
  },
)
