import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOne } from '../../hooks/core/testing/files.ts'
import { SimulatedRun } from '../../hooks/workflow/ui/simulated.ts'
import { launchChromium, startUi } from '../fixtures/browser.ts'
import { ROOT } from '../fixtures/server.ts'

// `metahooks ui --simulate` as a user sees it: the command as a process, the page in a real
// Chromium (Debian's; launched with the flags that keep it offline).

let browser: Browser
const servers: ChildProcess[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  for (const s of servers) s.kill('SIGTERM')
})

const ui = (file: string) => startUi(['--simulate', file], servers)

/** Every node the graph shows: its display name and phase. */
const shownNodes = (page: Page) =>
  page.$$eval('svg.graph .node', (nodes) =>
    nodes.map((n) => ({
      id: n.getAttribute('data-node-id'),
      name: n.getAttribute('data-name'),
      phase: n.getAttribute('data-phase'),
      pod: n.classList.contains('pod'),
    })),
  )

describe.each([
  { file: 'examples/workflows/ci-pipeline.yaml', shot: 'ci-pipeline' },
  { file: 'examples/workflows/data-pipeline.yaml', shot: 'data-pipeline' },
])('metahooks ui --simulate $file', ({ file, shot }) => {
  it('lists the workflow; its graph shows every node the engine ends with, in its phase; a click opens a node', async () => {
    const expected = new SimulatedRun(loadOne(join(ROOT, file)))
    await expected.finish()
    const want = Object.entries(expected.view.nodes).map(([id, n]) => ({
      id,
      name: n.displayName,
      phase: n.phase,
      pod: n.type === 'Pod',
    }))

    const url = await ui(file)
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(url)
    expect(await page.locator('#workflows tbody tr').count()).toBe(1)
    await page.locator('#workflows a').first().click()
    await page.waitForSelector('svg.graph')
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Run to the end' }).click(),
    ])
    const shown = await shownNodes(page)
    expect(shown.sort((a, b) => a.id!.localeCompare(b.id!))).toEqual(
      want.sort((a, b) => a.id.localeCompare(b.id)),
    )
    expect(await page.locator('h1 .phase').textContent()).toBe(expected.view.phase)

    const pod = want.find((n) => n.pod)!
    await page.locator(`[data-node-id="${pod.id}"]`).click()
    await expect.poll(() => page.locator('#node-name').textContent()).toBe(pod.name)
    expect(await page.locator('#details').textContent()).toContain(pod.phase)
    await page.screenshot({ path: join(ROOT, 'docs/ui', `${shot}.png`), fullPage: true })
    await page.close()
  })
})

describe('a file chosen on the page', () => {
  it('runs in the simulator instead; a file without one Workflow is refused on the page, naming it', async () => {
    const url = await ui('examples/workflows/ci-pipeline.yaml')
    const page = await browser.newPage()
    await page.goto(url)
    await page.setInputFiles('#file', join(ROOT, 'examples/mypod-test.yaml'))
    await expect
      .poll(() => page.locator('#drop-error').textContent())
      .toBe('mypod-test.yaml must hold one Workflow; it holds 0')
    await Promise.all([
      page.waitForURL(/\/workflows\/default\/data-00000$/),
      page.setInputFiles('#file', join(ROOT, 'examples/workflows/data-pipeline.yaml')),
    ])
    expect(await page.locator('header').textContent()).toContain('simulated: data-pipeline.yaml')
    await page.close()
  })
})

describe('the simulator controls', () => {
  it('a step told to fail before it ends fails, and the workflow with it; told to succeed and retried, the run succeeds', async () => {
    const url = await ui('examples/workflows/ci-pipeline.yaml')
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(url)
    await page.screenshot({ path: join(ROOT, 'docs/ui', 'workflows.png') })
    await page.locator('#workflows a').first().click()
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Next round' }).click(),
    ])
    const first = (await shownNodes(page)).find(
      (n) => n.pod && (n.phase === 'Pending' || n.phase === 'Running'),
    )
    expect(first, 'a step started in the first round').toBeDefined()
    await page.locator(`[data-node-id="${first!.id}"]`).click()
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'fail' }).click(),
    ])
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Run to the end' }).click(),
    ])
    const failed = (await shownNodes(page)).find((n) => n.id === first!.id)
    expect(failed?.phase).toBe('Failed')
    expect(await page.locator('h1 .phase').textContent()).toBe('Failed')

    // Told to succeed this time and retried: it runs again, what followed it runs, the run succeeds.
    await page.locator(`[data-node-id="${first!.id}"]`).click()
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'succeed' }).click(),
    ])
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Retry' }).click(),
    ])
    expect(await page.locator('h1 .phase').textContent()).not.toBe('Failed')
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Run to the end' }).click(),
    ])
    expect(await page.locator('h1 .phase').textContent()).toBe('Succeeded')
    const after = await shownNodes(page)
    expect(after.filter((n) => n.pod && n.phase !== 'Succeeded')).toEqual([])
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0)
    await page.close()
  })
})
