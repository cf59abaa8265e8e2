import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadOne } from '../../hooks/core/testing/files.ts'
import { createUiApp, CSRF_HEADER, type WorkflowSource } from '../../hooks/workflow/ui/app.ts'
import { ACTIONS } from '../../hooks/workflow/ui/live.ts'
import { RETRY_ANNOTATION } from '../../hooks/workflow/retry-workflow.ts'
import { graphSvg, layoutWorkflow } from '../../hooks/workflow/ui/graph.ts'
import { SimulatedRun } from '../../hooks/workflow/ui/simulated.ts'
import { viewOf, type WorkflowView } from '../../hooks/workflow/ui/view.ts'
import { compact, COMPACT_AFTER, nodeId } from '../../hooks/workflow/compact.ts'
import type { NodeRecord } from '../../hooks/workflow/nodes.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { ROOT } from '../fixtures/server.ts'

// `metahooks ui` without a browser: the graph's layout and the pages the app serves. The pages in
// a real Chromium are the browser tier's (test/ui).

async function finished(file: string): Promise<SimulatedRun> {
  const run = new SimulatedRun(loadOne(join(ROOT, 'examples/workflows', file)))
  await run.finish()
  return run
}

const idOf = (view: WorkflowView, displayName: string) =>
  Object.entries(view.nodes).find(([, n]) => n.displayName === displayName)![0]

describe('the workflow graph', () => {
  it('a DAG fans in as it ran: every expansion of the loop leads to the task that depends on it', async () => {
    const { view } = await finished('data-pipeline.yaml')
    const layout = layoutWorkflow(view.name, view.nodes, view.templates)
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(Object.keys(view.nodes).sort())
    const merge = idOf(view, 'merge')
    const into = layout.edges
      .filter((e) => e.to === merge)
      .map((e) => view.nodes[e.from]!.displayName)
      .sort()
    expect(into).toEqual([
      'process(0:alpha)',
      'process(1:beta)',
      'process(2:gamma)',
      'process(3:delta)',
      'process(4:epsilon)',
    ])
  })

  it('steps run group after group: the next group hangs off where the step before it ended (its Pod, not its retry node)', async () => {
    const { view } = await finished('ci-pipeline.yaml')
    const layout = layoutWorkflow(view.name, view.nodes, view.templates)
    const after = (name: string) =>
      layout.edges
        .filter((e) => e.from === idOf(view, name))
        .map((e) => view.nodes[e.to]!.displayName)
    expect(after('checkout(0)')).toEqual(['[1]'])
  })

  it('the exit handler is drawn apart, below the run it follows', async () => {
    const { view } = await finished('exit-handler.yaml')
    const layout = layoutWorkflow(view.name, view.nodes, view.templates)
    const exit = layout.nodes.find((n) => n.node.name === `${view.name}.onExit`)!
    const main = layout.nodes.filter((n) => !n.node.name.startsWith(`${view.name}.onExit`))
    expect(exit.y).toBeGreaterThan(Math.max(...main.map((n) => n.y)))
  })

  it('is the same SVG for the same status, each node carrying its phase; text is escaped', async () => {
    const { view } = await finished('data-pipeline.yaml')
    const nodes = {
      ...view.nodes,
      x: { ...Object.values(view.nodes)[0]!, displayName: '<script>x</script>', message: 'a & b' },
    }
    const svg = graphSvg(layoutWorkflow(view.name, nodes, view.templates))
    expect(graphSvg(layoutWorkflow(view.name, nodes, view.templates))).toBe(svg)
    expect(svg.match(/data-phase="Succeeded"/g)).toHaveLength(Object.keys(nodes).length)
    expect(svg).not.toContain('<script>')
    expect(svg).toContain('&#60;script&#62;')
  })
})

describe('a large workflow', () => {
  it('shows the nodes its status keeps as finishedPods rows too, under the ids their parents name', () => {
    const wf = 'big'
    const pods = Array.from({ length: COMPACT_AFTER + 20 }, (_, i) => `${wf}.t${i}`)
    const records = new Map<string, NodeRecord>([
      [
        wf,
        {
          name: wf,
          displayName: wf,
          type: 'DAG',
          phase: 'Succeeded',
          children: pods.map((p) => nodeId(wf, p)),
        },
      ],
      ...pods.map((name, i): [string, NodeRecord] => [
        name,
        {
          name,
          displayName: `t${i}`,
          type: 'Pod',
          phase: 'Succeeded',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:00:02Z',
          templateName: 'job',
        },
      ]),
    ])
    const status = compact(records, '2026-01-01T00:00:00Z', (name) => nodeId(wf, name))
    expect(Object.keys(status.nodes)).toHaveLength(1)
    const view = viewOf({
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: wf, namespace: 'default' },
      status: { phase: 'Succeeded', ...status },
    } as KObject)
    expect(Object.keys(view.nodes)).toHaveLength(pods.length + 1)
    expect(view.nodes[nodeId(wf, `${wf}.t7`)]).toMatchObject({
      displayName: 't7',
      phase: 'Succeeded',
      templateName: 'job',
    })
  })
})

/** What the page's own script sends with a control. */
const CONTROL = { [CSRF_HEADER]: '1' }

/** The cluster side of the app, as a fixed list (the live source reads the same views from the API server). */
function fixedSource(views: WorkflowView[]): WorkflowSource {
  return {
    mode: 'live: test',
    list: async () => views,
    get: async (ns, name) => views.find((v) => v.namespace === ns && v.name === name),
  }
}

describe('the ui app', () => {
  it("lists workflows, filtered by phase, and serves each one's graph with its nodes as data", async () => {
    const { view } = await finished('data-pipeline.yaml')
    const app = createUiApp(
      fixedSource([
        view,
        { ...view, name: 'other', phase: 'Running', nodes: {}, createdAt: '2026-01-01T00:57:00Z' },
      ]),
      { now: () => Date.parse('2026-01-01T01:00:00Z') },
    )
    const list = await (await app.request('/')).text()
    // Age, as kubectl prints it: created three minutes before the page's clock.
    expect(list).toMatch(
      /data-workflow="default\/other">[\s\S]*?<td title="2026-01-01T00:57:00Z">3m<\/td>/,
    )
    expect(list).toContain('data-workflow="default/data-00000"')
    expect(list).toContain('data-workflow="default/other"')
    const running = await (await app.request('/?phase=Running')).text()
    expect(running).not.toContain('data-workflow="default/data-00000"')
    const page = await (await app.request('/workflows/default/data-00000')).text()
    for (const id of Object.keys(view.nodes)) expect(page).toContain(`data-node-id="${id}"`)
    expect(page).toContain('window.LIVE=true')
    expect((await app.request('/workflows/default/nope')).status).toBe(404)
  })

  it('has the simulator controls only for a simulated run', async () => {
    const { view } = await finished('data-pipeline.yaml')
    const live = createUiApp(fixedSource([view]))
    expect(
      (
        await live.request('/workflows/default/data-00000/step', {
          method: 'POST',
          headers: CONTROL,
        })
      ).status,
    ).toBe(405)
    const run = new SimulatedRun(loadOne(join(ROOT, 'examples/workflows/coinflip.yaml')))
    const app = createUiApp({
      mode: 'simulated',
      simulated: run,
      list: async () => [run.view],
      get: async () => run.view,
    })
    const bad = await app.request(`/workflows/default/${run.view.name}/decide`, {
      method: 'POST',
      headers: CONTROL,
      body: JSON.stringify({ step: 'x', exitCode: 300 }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/^a decision is \{step, exitCode 0-255, stdout\?\}/)
    const stepped = await app.request(`/workflows/default/${run.view.name}/step`, {
      method: 'POST',
      headers: CONTROL,
    })
    expect(stepped.status).toBe(200)
    expect(run.rounds).toHaveLength(1)
  })

  it('offers each action for the phases it fits: retry once it failed, the others while it runs; one not offered is a 409', async () => {
    const { view } = await finished('data-pipeline.yaml')
    const failed = { ...view, name: 'failed', phase: 'Failed' }
    const running = { ...view, name: 'running', phase: 'Running' }
    const acted: string[] = []
    const app = createUiApp({
      ...fixedSource([failed, running]),
      act: async (_ns, name, action) => void acted.push(`${name} ${action}`),
    })
    const buttons = async (name: string) =>
      [
        ...(await (await app.request(`/workflows/default/${name}`)).text()).matchAll(
          /actions\/(\w+)"/g,
        ),
      ].map((m) => m[1])
    expect(await buttons('failed')).toEqual(['retry'])
    expect(await buttons('running')).toEqual(['suspend', 'resume', 'stop', 'terminate'])
    const post = (name: string, action: string) =>
      app.request(`/workflows/default/${name}/actions/${action}`, {
        method: 'POST',
        headers: CONTROL,
      })
    // Why the engine did not retry (its status.retry.message) is on the page, escaped.
    const waiting = createUiApp(
      fixedSource([
        viewOf({
          apiVersion: 'workflows.metahooks.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'locked', namespace: 'default' },
          status: { phase: 'Failed', retry: { count: 0, message: 'waiting to retry: <lock>' } },
        } as KObject),
      ]),
    )
    expect(await (await waiting.request('/workflows/default/locked')).text()).toContain(
      '<span id="retry-message">waiting to retry: &lt;lock&gt;</span>',
    )
    const refused = await post('running', 'retry')
    expect([refused.status, await refused.text()]).toEqual([
      409,
      'retry is not offered for a workflow that is Running',
    ])
    expect((await post('failed', 'terminate')).status).toBe(409)
    expect((await post('failed', 'retry')).status).toBe(200)
    expect(acted).toEqual(['failed retry'])
    // What the live mode sends the API server: a new request, and spec.shutdown removed.
    expect(ACTIONS.retry!.patch(new Date('2026-11-30T10:00:00Z'))).toEqual({
      metadata: { annotations: { [RETRY_ANNOTATION]: '2026-11-30T10:00:00.000Z' } },
      spec: { shutdown: null },
    })
  })

  it('a simulated run that failed is retried from its page: the step told to succeed now runs again, and only it', async () => {
    const run = new SimulatedRun(loadOne(join(ROOT, 'examples/workflows/ci-pipeline.yaml')))
    run.decide('build', { exitCode: 1 })
    await run.finish()
    expect(run.view.phase).toBe('Failed')
    const app = createUiApp({
      mode: 'simulated',
      simulated: run,
      list: async () => [run.view],
      get: async () => run.view,
    })
    const path = `/workflows/default/${run.view.name}`
    expect(await (await app.request(path)).text()).toContain(`data-action="${path}/retry"`)
    const checkout = Object.values(run.view.nodes).find((n) => n.displayName === 'checkout')!
    run.decide('build', { exitCode: 0 })
    const retried = await app.request(`${path}/retry`, { method: 'POST', headers: CONTROL })
    expect(retried.status).toBe(200)
    expect(run.view.phase).not.toBe('Failed')
    await run.finish()
    expect(run.view.phase).toBe('Succeeded')
    expect(Object.values(run.view.nodes).find((n) => n.displayName === 'checkout')).toEqual(
      checkout,
    )
    const page = await (await app.request(path)).text()
    expect(page).not.toContain(`${path}/retry`)
    expect(page).toMatch(/<p id="summary">[^<]*· retried 1×<\/p>/)
    const again = await app.request(`${path}/retry`, { method: 'POST', headers: CONTROL })
    expect([again.status, await again.text()]).toEqual([
      409,
      'retry is for a Failed or Error workflow; this one is Succeeded',
    ])
  })

  it('a dropped file replaces the simulated run; what is not one Workflow is a 400 naming it; live mode takes none', async () => {
    const { view } = await finished('data-pipeline.yaml')
    expect(
      (
        await createUiApp(fixedSource([view])).request('/simulate', {
          method: 'POST',
          headers: CONTROL,
          body: 'x',
        })
      ).status,
    ).toBe(405)
    const loaded: string[] = []
    const app = createUiApp({
      ...fixedSource([view]),
      load: (text, name) => {
        loaded.push(name)
        if (!text.includes('kind: Workflow'))
          throw new Error(`${name} must hold one Workflow; it holds 0`)
        return view
      },
    })
    const ok = await app.request('/simulate?name=wf.yaml', {
      method: 'POST',
      headers: CONTROL,
      body: 'kind: Workflow',
    })
    expect(await ok.json()).toEqual({ location: '/workflows/default/data-00000' })
    const bad = await app.request('/simulate?name=other.yaml', {
      method: 'POST',
      headers: CONTROL,
      body: 'kind: Pod',
    })
    expect([bad.status, await bad.text()]).toEqual([
      400,
      'other.yaml must hold one Workflow; it holds 0',
    ])
    expect(loaded).toEqual(['wf.yaml', 'other.yaml'])
  })

  it.each([
    {
      name: "a control without the page's header (another site's form or no-cors fetch)",
      request: () =>
        new Request('http://127.0.0.1:2746/workflows/default/data-00000/step', {
          method: 'POST',
          headers: { host: '127.0.0.1:2746' },
        }),
      status: 403,
    },
    {
      name: "a Host other than the listener's (a DNS name rebound to 127.0.0.1)",
      request: () =>
        new Request('http://evil.example:2746/', { headers: { host: 'evil.example:2746' } }),
      status: 421,
    },
    {
      name: "the listener's own Host",
      request: () => new Request('http://127.0.0.1:2746/', { headers: { host: '127.0.0.1:2746' } }),
      status: 200,
    },
    {
      name: 'a dropped file over 1 MB',
      request: () =>
        new Request('http://127.0.0.1:2746/simulate', {
          method: 'POST',
          headers: { ...CONTROL, host: '127.0.0.1:2746', 'content-length': '2000000' },
          body: 'x'.repeat(2_000_000),
        }),
      status: 413,
    },
  ])('refuses $name ($status)', async ({ request, status }) => {
    const run = new SimulatedRun(loadOne(join(ROOT, 'examples/workflows/coinflip.yaml')))
    const app = createUiApp(
      {
        mode: 'simulated',
        simulated: run,
        list: async () => [run.view],
        get: async () => run.view,
        load: () => run.view,
      },
      { hosts: ['127.0.0.1:2746'] },
    )
    expect((await app.request(request())).status).toBe(status)
  })

  it.each([
    { name: 'no credentials', headers: {}, path: '/', status: 401 },
    {
      name: 'a wrong Bearer token',
      headers: { authorization: 'Bearer nope' },
      path: '/',
      status: 401,
    },
    {
      name: 'the Bearer token',
      headers: { authorization: 'Bearer s3cret' },
      path: '/',
      status: 200,
    },
    {
      name: 'the token in the URL (sets a cookie)',
      headers: {},
      path: '/?token=s3cret',
      status: 200,
    },
    { name: 'the cookie', headers: { cookie: 'metahooks-ui=s3cret' }, path: '/', status: 200 },
  ])('with a token: $name → $status', async ({ headers, path, status }) => {
    const app = createUiApp(fixedSource([]), { token: 's3cret' })
    expect((await app.request(path, { headers: headers as Record<string, string> })).status).toBe(
      status,
    )
  })
})
