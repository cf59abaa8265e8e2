// Workflow engine benchmark: one full sync from the request body's text to the response's (JSON
// parsing, request validation, spec parsing, workflow validation, evaluation, response check, JSON)
// and the status size, for DAGs of 10 to 10,000 tasks: fresh, finished, and retried after its last
// task failed. Only the socket is left out (see bench/http.ts).
// Not a test: run with `npm run bench:workflow`. Targets: under 50 ms per sync at 1,000 tasks; at
// 10,000 tasks a status under 1 MiB (finished Pods as status.finishedPods rows) and a sync under 100 ms.
import { cpus } from 'node:os'
import { runHook } from '../hooks/core/run.ts'
import { compositeRequest } from '../hooks/core/testing/requests.ts'
import workflow from '../hooks/workflow/index.ts'
import type { KObject } from '../hooks/core/contract/objects.ts'
import { RETRY_ANNOTATION } from '../hooks/workflow/retry-workflow.ts'

const NOW = new Date('2026-01-01T00:10:00Z')

function dagWorkflow(tasks: number, status?: Record<string, unknown>): KObject {
  return {
    apiVersion: 'workflows.metahooks.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name: `bench-${tasks}`, namespace: 'default', uid: 'bench' },
    spec: {
      entrypoint: 'd',
      templates: [
        {
          name: 'd',
          dag: {
            tasks: Array.from({ length: tasks }, (_, i) => ({
              name: `t${i}`,
              template: 'job',
              ...(i > 0 && { dependencies: [`t${Math.floor((i - 1) / 2)}`] }),
            })),
          },
        },
        { name: 'job', container: { image: 'alpine:3.20', command: ['sh', '-c', 'echo hi'] } },
      ],
    },
    ...(status && { status }),
  }
}

/** The status after every task finished: the largest it gets. */
async function finishedStatus(tasks: number): Promise<Record<string, unknown>> {
  let status: Record<string, unknown> | undefined
  for (let round = 0; round < 20; round++) {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: dagWorkflow(tasks, status) }),
      { now: NOW },
    )
    if (!outcome.ok) throw new Error(outcome.message)
    const next = outcome.response.status as {
      phase: string
      nodes: Record<string, { phase: string; finishedAt?: string }>
    }
    for (const node of Object.values(next.nodes))
      if (node.phase === 'Pending' || node.phase === 'Running')
        Object.assign(node, { phase: 'Succeeded', finishedAt: NOW.toISOString() })
    status = next
    if (next.phase === 'Succeeded') break
  }
  return status!
}

/** The finished status with its last task Failed (so the workflow is): what a retry starts from. */
function failedLast(status: Record<string, unknown>): Record<string, unknown> {
  const failed = structuredClone(status) as {
    phase: string
    nodes: Record<string, { phase: string; type: string }>
    finishedPods?: { rows: unknown[][] }
  }
  failed.phase = 'Failed'
  const row = failed.finishedPods?.rows.at(-1)
  if (row) row[2] = 'Failed'
  else Object.values(failed.nodes).findLast((n) => n.type === 'Pod')!.phase = 'Failed'
  return failed
}

/** A failed workflow asked to run again (the retry annotation): the sync that resets it. */
const retriedWorkflow = (w: KObject): KObject => ({
  ...w,
  metadata: { ...w.metadata, annotations: { [RETRY_ANNOTATION]: 'bench' } },
})

async function time(
  fn: () => Promise<unknown>,
  budgetMs = 2000,
): Promise<{ median: number; runs: number }> {
  const samples: number[] = []
  const until = performance.now() + budgetMs
  while (samples.length < 5 || (performance.now() < until && samples.length < 200)) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  samples.sort((a, b) => a - b)
  return { median: samples[Math.floor(samples.length / 2)]!, runs: samples.length }
}

console.log(
  `workflow sync benchmark — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`,
)
console.log(
  'tasks  | first sync (ms) | finished sync (ms) | retry sync (ms) | status size (bytes) | per task',
)
for (const tasks of [10, 100, 1000, 5000, 10_000]) {
  const fresh = JSON.stringify(compositeRequest(workflow, { parent: dagWorkflow(tasks) }))
  const status = await finishedStatus(tasks)
  const done = JSON.stringify(compositeRequest(workflow, { parent: dagWorkflow(tasks, status) }))
  const retried = JSON.stringify(
    compositeRequest(workflow, { parent: retriedWorkflow(dagWorkflow(tasks, failedLast(status))) }),
  )
  const check = await runHook(workflow, 'sync', JSON.parse(retried), { now: NOW })
  if (!check.ok || (check.response.status as { phase: string }).phase === 'Failed')
    throw new Error(`the retried ${tasks}-task workflow did not restart`)
  const first = await time(() => runHook(workflow, 'sync', JSON.parse(fresh), { now: NOW }))
  const finished = await time(() => runHook(workflow, 'sync', JSON.parse(done), { now: NOW }))
  const retry = await time(() => runHook(workflow, 'sync', JSON.parse(retried), { now: NOW }))
  const size = JSON.stringify(status).length
  console.log(
    `${String(tasks).padStart(6)} | ${first.median.toFixed(2).padStart(15)} | ${finished.median.toFixed(2).padStart(18)} | ${retry.median.toFixed(2).padStart(15)} | ${String(size).padStart(19)} | ${(size / tasks).toFixed(0)} B`,
  )
}

// metahooks ui: the graph page for a finished DAG (dagre layout, SVG and HTML), the work the server
// does per page view. Target: a 1,000-task workflow renders in well under a second.
const { graphPage } = await import('../hooks/workflow/ui/pages.ts')
const { viewOf } = await import('../hooks/workflow/ui/view.ts')
const { createUiApp } = await import('../hooks/workflow/ui/app.ts')
const { launchChromium } = await import('../test/fixtures/browser.ts')
const { serve } = await import('@hono/node-server')
const { existsSync } = await import('node:fs')
const browser = existsSync('/usr/bin/chromium') ? await launchChromium() : undefined
console.log(
  `\nui graph page | nodes shown | server render (ms) | page size (bytes) | in Chromium: load (ms) | click → details (ms)${browser ? '' : ' (no /usr/bin/chromium: not measured)'}`,
)
for (const tasks of [100, 1000]) {
  const view = viewOf(dagWorkflow(tasks, await finishedStatus(tasks)))
  const page = async () => String(await graphPage(view, { mode: 'bench' }))
  const rendered = await time(page)
  let load = NaN
  let click = NaN
  if (browser) {
    // The page as a user gets it: served on loopback, loaded and clicked in headless Chromium.
    const app = createUiApp({ mode: 'bench', list: async () => [view], get: async () => view })
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((r) => server.once('listening', r))
    const { port } = server.address() as { port: number }
    const tab = await browser.newPage()
    await tab.goto(`http://127.0.0.1:${port}/workflows/default/${view.name}`)
    load = await tab.evaluate(
      () =>
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
    )
    const last = Object.keys(view.nodes).sort().at(-1)!
    const started = performance.now()
    await tab.locator(`[data-node-id="${last}"]`).click()
    await tab.waitForSelector('#node-name')
    click = performance.now() - started
    await tab.close()
    server.close()
  }
  console.log(
    `${String(tasks).padStart(13)} | ${String(Object.keys(view.nodes).length).padStart(11)} | ${rendered.median.toFixed(1).padStart(18)} | ${String((await page()).length).padStart(17)} | ${load.toFixed(0).padStart(22)} | ${click.toFixed(0).padStart(20)}`,
  )
}
await browser?.close()
