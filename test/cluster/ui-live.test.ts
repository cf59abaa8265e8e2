import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { KubernetesObject } from '@kubernetes/client-node'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, startUi } from '../fixtures/browser.ts'
import { ROOT } from '../fixtures/server.ts'
import { ensureNamespace } from './children.ts'
import { kubeconfigFile, patchStatus } from './kubectl.ts'
import { apiMessage, kubeConfig, objectsClient, sendVerbatim } from './client.ts'
import { RETRY_ANNOTATION } from '../../hooks/workflow/retry-workflow.ts'

// `metahooks ui` live, against the tier's real API server, in Debian's headless Chromium: the
// list follows a watch of the Workflows, and an action patches the Workflow there.

const cluster = inject('cluster')
const client = objectsClient(kubeConfig(cluster.open))
const kubeconfig = kubeconfigFile(cluster.open)
const NS = 'ui-live'

let browser: Browser
const servers: ChildProcess[] = []
beforeAll(async () => {
  browser = await launchChromium()
  await ensureNamespace(client, NS)
})
afterAll(async () => {
  await browser?.close()
  for (const s of servers) s.kill('SIGTERM')
})

const workflow = {
  apiVersion: 'workflows.metahooks.dev/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'live-demo', namespace: NS },
  spec: {
    entrypoint: 'main',
    templates: [{ name: 'main', container: { image: 'busybox:1.37.0', command: ['true'] } }],
  },
}

const readWorkflow = async () =>
  (await client.read({
    apiVersion: workflow.apiVersion,
    kind: 'Workflow',
    metadata: { name: 'live-demo', namespace: NS },
  })) as KubernetesObject & { spec?: { suspend?: boolean; shutdown?: string } }

describe('metahooks ui, live', () => {
  it('lists a Workflow created in the cluster, follows its status through the watch, suspends, stops and retries it on clicks', async () => {
    sendVerbatim(workflow as KubernetesObject)
    await client.create(workflow as KubernetesObject).catch((error) => {
      throw new Error(apiMessage(error))
    })
    const url = await startUi(['--kubeconfig', kubeconfig, '-n', NS, '--allow-actions'], servers)
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
    await page.goto(url)
    const row = page.locator(`[data-workflow="${NS}/live-demo"] .phase`)
    await expect.poll(() => row.textContent()).toBe('Pending')

    const status = {
      phase: 'Running',
      startedAt: new Date().toISOString(),
      progress: '0/1',
      nodes: {
        'live-demo': {
          name: 'live-demo',
          displayName: 'live-demo',
          type: 'Pod',
          phase: 'Running',
          templateName: 'main',
        },
      },
    }
    await patchStatus(cluster.bin, kubeconfig, NS, 'workflow', 'live-demo', status)
    // No reload by the test: the page reloads itself when the watch brings the change.
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toBe('Running')

    await page.locator(`[data-workflow="${NS}/live-demo"] a`).click()
    await page.waitForSelector('svg.graph [data-node-id="live-demo"][data-phase="Running"]')
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Suspend' }).click(),
    ])
    await expect.poll(async () => (await readWorkflow()).spec?.suspend).toBe(true)

    // Stopped, then failed: Retry is offered, and its patch reaches the API server as the engine
    // reads it (a new request in the annotation, spec.shutdown gone).
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Stop' }).click(),
    ])
    await expect.poll(async () => (await readWorkflow()).spec?.shutdown).toBe('Stop')
    await patchStatus(cluster.bin, kubeconfig, NS, 'workflow', 'live-demo', {
      ...status,
      phase: 'Failed',
      message: 'the workflow was stopped',
    })
    await page.waitForSelector('h1 .phase:text("Failed")', { timeout: 15_000 })
    expect(await page.getByRole('button', { name: 'Suspend' }).count()).toBe(0)
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Retry' }).click(),
    ])
    await expect
      .poll(async () => (await readWorkflow()).metadata?.annotations?.[RETRY_ANNOTATION])
      .toMatch(/^\d{4}-\d\d-\d\dT/)
    expect((await readWorkflow()).spec).not.toHaveProperty('shutdown')

    // The main container's log, followed, through the API server: what kubectl logs prints (a Pod no
    // kubelet runs has none yet), the API server's refusal named, and no Pod that is not the workflow's.
    const wf = await readWorkflow()
    const pod = (owner: boolean, name: string, container: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: NS,
        ...(owner && {
          ownerReferences: [
            {
              apiVersion: workflow.apiVersion,
              kind: 'Workflow',
              name: 'live-demo',
              uid: wf.metadata!.uid!,
              controller: true,
            },
          ],
        }),
      },
      spec: { containers: [{ name: container, image: 'busybox:1.37.0' }] },
    })
    for (const p of [
      pod(true, 'live-demo-main-1', 'main'),
      pod(true, 'live-demo-odd', 'other'),
      pod(false, 'someone-else', 'main'),
    ])
      await client.create(p as KubernetesObject)
    const logOf = (name: string) =>
      page.request.get(new URL(`/workflows/${NS}/live-demo/logs/${name}`, url).href)
    const log = await logOf('live-demo-main-1')
    expect([log.status(), log.headers()['content-type'], await log.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      '',
    ])
    const refused = await logOf('live-demo-odd')
    expect(refused.status()).toBe(400)
    expect(await refused.text()).toMatch(
      /^the API server refused the log: container main is not valid for pod live-demo-odd/,
    )
    expect((await logOf('someone-else')).status()).toBe(404)

    const controllers = await page.goto(new URL('/controllers', url).href)
    expect(controllers?.status(), await controllers?.text()).toBe(200)
    expect(await page.locator('#controllers').textContent()).toMatch(
      /^workflow: 1 Workflow \(workflows\.workflows\.metahooks\.dev\)\n {2}ui-live\/live-demo {2}Failed/m,
    )
    await page.close()
  })
})
