import type { KubernetesObject } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'
import { runMetahooks } from '../fixtures/process.ts'
import { kubeconfigFile, patchStatus } from './kubectl.ts'
import { apiMessage, kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { ensureNamespace } from './children.ts'

// The cluster commands (apply, status, doctor, unstick, workflow-retry) as a user runs them: the CLI as a process
// with a kubeconfig for the tier's API server. They run in order: each builds on the one before.

const cluster = inject('cluster')
const client = objectsClient(kubeConfig(cluster.open))
const kubeconfig = kubeconfigFile(cluster.open)

const metahooks = (args: string[]) => runMetahooks([...args, '--kubeconfig', kubeconfig])

async function create<T extends KubernetesObject>(object: T): Promise<T> {
  sendVerbatim(object)
  try {
    return (await client.create(object)) as T
  } catch (error) {
    throw new Error(`creating ${object.kind} ${object.metadata?.name}: ${apiMessage(error)}`)
  }
}

async function read(
  o: KubernetesObject,
): Promise<(KubernetesObject & Record<string, unknown>) | undefined> {
  try {
    return (await client.read({
      apiVersion: o.apiVersion!,
      kind: o.kind!,
      metadata: { name: o.metadata!.name!, namespace: o.metadata!.namespace },
    })) as KubernetesObject & Record<string, unknown>
  } catch {
    return undefined
  }
}

/**
 * Metacontroller's CRDs, standing in for its own: those ship in its repository, and its Go module
 * (named `metacontroller`) is not on the module proxy. Same group, version, names and scope; the
 * schemas are open, as the commands only read and write these objects.
 */
const metacontrollerCrd = (kind: string, plural: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  // A *.k8s.io group needs this annotation; Metacontroller's own CRDs carry the same value.
  metadata: {
    name: `${plural}.metacontroller.k8s.io`,
    annotations: { 'api-approved.kubernetes.io': 'unapproved, request not yet submitted' },
  },
  spec: {
    group: 'metacontroller.k8s.io',
    scope: 'Cluster',
    names: { kind, plural, singular: kind.toLowerCase() },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
})

const lines = (text: string) => text.trim().split('\n')
const RETRY = 'workflows.metahooks.dev/retry'

describe.sequential('cluster commands against the real API server', () => {
  it('apply refuses to start without Metacontroller, naming its missing CRDs and changing nothing', async () => {
    const { code, stderr } = await metahooks(['apply'])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^metahooks: Metacontroller is not installed in c \(no compositecontrollers\.metacontroller\.k8s\.io, decoratorcontrollers\.metacontroller\.k8s\.io\)/,
    )
    expect(
      await read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metahooks' } }),
    ).toBeUndefined()
  })

  it("doctor fails on Metacontroller's missing CRDs and the unapplied controllers", async () => {
    const { code, stdout, stderr } = await metahooks(['doctor'])
    expect(code).toBe(1)
    expect(stdout).toMatch(
      /^ok {4}API server https:\/\/127\.0\.0\.1:\d+ \(context c\): Kubernetes v1\./,
    )
    expect(stdout).toContain(
      "FAIL  Metacontroller's CRD compositecontrollers.metacontroller.k8s.io is missing",
    )
    expect(stdout).toContain('FAIL  CompositeController mypod is not applied (metahooks apply)')
    expect(stderr).toMatch(/check\(s\) failed/)
  })

  it('apply --dry-run asks the API server without changing anything (objects in a namespace it would create are named, not checked)', async () => {
    for (const [kind, plural] of [
      ['CompositeController', 'compositecontrollers'],
      ['DecoratorController', 'decoratorcontrollers'],
    ] as const)
      await create(metacontrollerCrd(kind, plural))
    for (
      let i = 0;
      i < 100 && (await metahooks(['doctor'])).stdout.includes("FAIL  Metacontroller's CRD");
      i++
    )
      await new Promise((r) => setTimeout(r, 100))
    const { code, stdout, stderr } = await metahooks(['apply', '--dry-run'])
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('created CompositeController mypod (dry run)')
    expect(stdout).toContain(
      'would create Deployment metahooks/metahooks (dry run: its namespace does not exist yet, so the API server cannot check it)',
    )
    expect(lines(stdout).at(-1)).toMatch(/^applied \d+ object\(s\) to c \(dry run\)$/)
    expect(
      await read({
        apiVersion: 'metacontroller.k8s.io/v1alpha1',
        kind: 'CompositeController',
        metadata: { name: 'mypod' },
      }),
    ).toBeUndefined()
  })

  it('apply: server-side apply of CRDs, server and controllers; applied again, nothing changes', async () => {
    const first = await metahooks(['apply'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('created Namespace metahooks')
    expect(first.stdout).toContain('created HorizontalPodAutoscaler metahooks/metahooks')
    expect(first.stdout).toContain('created CompositeController mypod')
    expect(first.stdout).toContain('created DecoratorController guardrails')
    const controller = await read({
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'workflow' },
    })
    expect(controller?.spec).toMatchObject({
      parentResource: { apiVersion: 'workflows.metahooks.dev/v1alpha1', resource: 'workflows' },
    })
    const again = await metahooks(['apply'])
    expect(again.code, again.stderr).toBe(0)
    expect(
      lines(again.stdout)
        .slice(0, -1)
        .filter((l) => !l.startsWith('unchanged ')),
    ).toEqual([])
  })

  it('doctor: everything applied as generated; the hook Service has no ready endpoint (no kubelet here); drift is named by field', async () => {
    const applied = await metahooks(['doctor'])
    expect(applied.code).toBe(1)
    expect(applied.stdout).toContain(
      'ok    CompositeController mypod is applied as the code generates it',
    )
    expect(applied.stdout).toContain('ok    CRD workflows.workflows.metahooks.dev is Established')
    expect(applied.stdout).toContain(
      'warn  no StatefulSet or Deployment named metacontroller in any namespace',
    )
    expect(lines(applied.stdout).filter((l) => l.startsWith('FAIL'))).toEqual([
      "FAIL  Service metahooks/metahooks has no ready endpoint: Metacontroller's hook calls fail (kubectl -n metahooks get pods)",
    ])

    const live = await read({
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'mypod' },
    })
    const spec = live!.spec as { hooks: { sync: { webhook: { timeout: string } } } }
    spec.hooks.sync.webhook.timeout = '3s'
    sendVerbatim(live!)
    await client.replace(live!)
    const drifted = await metahooks(['doctor'])
    expect(drifted.stdout).toContain(
      'FAIL  CompositeController mypod differs from what the code generates at spec.hooks.sync.webhook.timeout (metahooks apply)',
    )
    expect((await metahooks(['apply'])).stdout).toContain('configured CompositeController mypod')
  })

  it("status: a parent's conditions, its children and their readiness, and Metacontroller's SyncError event", async () => {
    await ensureNamespace(client, 'status-demo')
    const parent = await create({
      apiVersion: 'crd.example.com/v1',
      kind: 'MyPod',
      metadata: { name: 'demo', namespace: 'status-demo' },
      spec: { uri: 'u', image: 'nginx' },
    } as KubernetesObject)
    const uid = parent.metadata!.uid!
    const owner = {
      apiVersion: 'crd.example.com/v1',
      kind: 'MyPod',
      name: 'demo',
      uid,
      controller: true,
      blockOwnerDeletion: true,
    }
    await create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'demo', namespace: 'status-demo', ownerReferences: [owner] },
      spec: { containers: [{ name: 'main', image: 'nginx' }] },
    } as KubernetesObject)
    const status = {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'PodPending', message: 'Pod demo is Pending' },
      ],
    }
    await patchStatus(cluster.bin, kubeconfig, 'status-demo', 'mypod', 'demo', status)
    const now = new Date().toISOString()
    await create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'demo.sync', namespace: 'status-demo' },
      involvedObject: {
        apiVersion: 'crd.example.com/v1',
        kind: 'MyPod',
        name: 'demo',
        namespace: 'status-demo',
        uid,
      },
      type: 'Warning',
      reason: 'SyncError',
      message: 'sync hook failed: 422 invalid spec: image: required',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 2,
      source: { component: 'metacontroller' },
    } as KubernetesObject)
    const { code, stdout, stderr } = await metahooks(['status', 'mypod', '-n', 'status-demo'])
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(
      /^mypod: 1 MyPod \(mypods\.crd\.example\.com\)\n {2}status-demo\/demo {2}Ready=False\n {4}Ready: PodPending: Pod demo is Pending\n/,
    )
    expect(stdout).toContain('    Pod demo  Pending')
    expect(stdout).toMatch(
      / {4}! \d+s ago SyncError \(x2\): sync hook failed: 422 invalid spec: image: required/,
    )
    const doctor = await metahooks(['doctor'])
    expect(doctor.stdout).toMatch(
      /warn {2}SyncError \d+s ago on MyPod status-demo\/demo: sync hook failed/,
    )
  })

  it('unstick: only an object being deleted, only with --yes when not at a terminal; then the finalizer is gone and so is the object', async () => {
    await ensureNamespace(client, 'unstick-demo')
    const pinger = {
      apiVersion: 'ch20.kiamol.net/v1',
      kind: 'WebPinger',
      metadata: {
        name: 'stuck',
        namespace: 'unstick-demo',
        finalizers: ['metacontroller.io/compositecontroller-webpinger'],
      },
      spec: { target: 'example.com', method: 'HEAD', interval: '10s' },
    }
    await create(pinger as KubernetesObject)
    const live = await metahooks(['unstick', 'webpinger/stuck', '-n', 'unstick-demo', '--yes'])
    expect(live.code).toBe(1)
    expect(live.stderr).toContain('WebPinger unstick-demo/stuck is not being deleted')
    await client.delete(pinger as KubernetesObject)
    const asked = await metahooks(['unstick', 'webpinger/stuck', '-n', 'unstick-demo'])
    expect(asked.code).toBe(2)
    expect(asked.stderr).toContain('not a terminal: pass --yes')
    expect(await read(pinger as KubernetesObject)).toBeDefined()
    const done = await metahooks(['unstick', 'wp/stuck', '-n', 'unstick-demo', '--yes'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain(
      'removed metacontroller.io/compositecontroller-webpinger from WebPinger unstick-demo/stuck',
    )
    expect(await read(pinger as KubernetesObject)).toBeUndefined()
    const unknown = await metahooks(['unstick', 'mypod/demo', '-n', 'status-demo'])
    expect(unknown.stderr).toMatch(
      /no controller with a finalize hook has a parent or decorated type named "mypod"/,
    )
  })

  it('workflow-retry: refuses a running or missing workflow, patching nothing; a failed one gets the request and loses spec.shutdown', async () => {
    await ensureNamespace(client, 'retry-demo')
    const wf = {
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'flaky', namespace: 'retry-demo' },
      spec: {
        entrypoint: 'main',
        shutdown: 'Stop',
        templates: [{ name: 'main', container: { image: 'busybox:1.37.0', command: ['false'] } }],
      },
    }
    await create(wf as KubernetesObject)
    const status = (phase: string) =>
      patchStatus(cluster.bin, kubeconfig, 'retry-demo', 'workflow', 'flaky', { phase })
    await status('Running')
    const running = await metahooks(['workflow-retry', 'flaky', '-n', 'retry-demo'])
    expect([running.code, running.stderr.trim()]).toEqual([
      1,
      'metahooks: Workflow retry-demo/flaky is Running; only a Failed or Error workflow is retried',
    ])
    await status('Failed')
    const missing = await metahooks(['workflow-retry', 'flaky', 'nope', '-n', 'retry-demo'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no Workflow nope in namespace retry-demo')
    // Every name is checked before any is patched.
    const untouched = await read(wf as KubernetesObject)
    expect(untouched?.metadata?.annotations?.[RETRY]).toBeUndefined()
    const done = await metahooks(['workflow-retry', 'flaky', '-n', 'retry-demo'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toMatch(
      /^Workflow retry-demo\/flaky: retry requested \(workflows\.metahooks\.dev\/retry=\d{4}-\d\d-\d\dT[\d:.]+Z\)$/m,
    )
    const retried = (await read(wf as KubernetesObject))!
    expect(done.stdout).toContain(retried.metadata!.annotations![RETRY]!)
    expect(retried.spec).not.toHaveProperty('shutdown')
  })
})
