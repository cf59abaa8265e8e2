import { timingSafeEqual } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { getCookie, setCookie } from 'hono/cookie'
import * as z from 'zod'
import { ACTIONS } from './live.ts'
import { controllersPage, graphPage, listPage } from './pages.ts'
import type { SimulatedRun } from './simulated.ts'
import type { WorkflowView } from './view.ts'

/** Where the workflows come from: a simulated run, or the cluster. */
export interface WorkflowSource {
  /** Shown in the header: the file simulated, or the kubeconfig context. */
  mode: string
  list(): Promise<WorkflowView[]>
  get(namespace: string, name: string): Promise<WorkflowView | undefined>
  /** The simulated run behind `get`, for the round controls (simulated mode only). */
  simulated?: SimulatedRun
  /** Changes whenever any workflow does (live mode: every watch event); open pages poll it. */
  version?: () => number
  /** Live mode with --allow-actions: apply an action's patch to the Workflow. */
  act?: (namespace: string, name: string, action: string) => Promise<void>
  /** Live mode: the main container's log of one of this workflow's Pods, followed (undefined: not its Pod). */
  logs?: (namespace: string, workflow: string, pod: string) => Promise<Response | undefined>
  /** Simulated mode: another workflow from a YAML text (a file dropped on the page) replaces the run. */
  load?: (text: string, name: string) => WorkflowView
  /** The controllers page: `metahooks status` for every controller, as lines. */
  controllers?: () => Promise<string[]>
}

/** Sent by the page's own script with every control: what a cross-site request cannot send. */
export const CSRF_HEADER = 'x-metahooks-ui'

export interface UiOptions {
  /** The Host headers the UI answers (loopback: 127.0.0.1:PORT and localhost:PORT); any when absent. */
  hosts?: string[]
  /** Required when serving beyond loopback: a Bearer token, or `?token=` once (kept in a cookie). */
  token?: string
  now?: () => number
}

const Decision = z.strictObject({
  step: z.string().min(1).max(253),
  exitCode: z.int().min(0).max(255),
  stdout: z.string().max(100_000).optional(),
})

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * `metahooks ui`: one page per view, rendered on the server (the graph is SVG laid out by dagre),
 * with a small script for node details and the simulator's controls. Read-only but for those
 * controls, which change only the simulation in this process.
 */
export function createUiApp(source: WorkflowSource, options: UiOptions = {}): Hono {
  const app = new Hono()

  // Another site open in the same browser must not drive this page's controls (a form or a no-cors
  // fetch cannot send this header without a CORS preflight, which is never granted), nor read it
  // through a DNS name rebound to 127.0.0.1 (the Host must be the one the UI was opened on).
  app.use('*', async (c, next) => {
    const host = c.req.header('host') ?? ''
    if (options.hosts && !options.hosts.includes(host))
      return c.text(`this UI answers at ${options.hosts.join(' or ')}, not ${host}`, 421)
    if (c.req.method === 'POST' && c.req.header(CSRF_HEADER) !== '1')
      return c.text(
        `a control needs the ${CSRF_HEADER} header (sent by the page's own script)`,
        403,
      )
    return next()
  })
  // A simulated run's pages read its own clock (a wall clock would age the screenshots daily).
  const now = options.now ?? (() => source.simulated?.now ?? Date.now())

  if (options.token) {
    const token = options.token
    app.use('*', async (c, next) => {
      const offered = c.req.query('token')
      if (offered !== undefined && same(offered, token)) {
        setCookie(c, 'metahooks-ui', token, { httpOnly: true, sameSite: 'Strict', path: '/' })
        return next()
      }
      const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1]
      const cookie = getCookie(c, 'metahooks-ui')
      if ((bearer && same(bearer, token)) || (cookie && same(cookie, token))) return next()
      return c.text('a token is required: open the URL metahooks ui printed (…/?token=…)', 401)
    })
  }

  const find = async (c: Context) => source.get(c.req.param('namespace')!, c.req.param('name')!)
  const notFound = (c: Context) =>
    c.text(`no workflow ${c.req.param('namespace')}/${c.req.param('name')}`, 404)

  app.get('/', async (c) => {
    const phase = c.req.query('phase')
    const live = source.version ? String(source.version()) : undefined
    return c.html(
      listPage(
        await source.list(),
        source.mode,
        phase || undefined,
        now(),
        live,
        source.load !== undefined,
      ),
    )
  })

  app.post(
    '/simulate',
    bodyLimit({
      maxSize: 1_000_000,
      onError: (c) => c.text('a workflow file is at most 1 MB', 413),
    }),
    async (c) => {
      if (!source.load) return c.text('only metahooks ui --simulate runs dropped files', 405)
      const name = (c.req.query('name') ?? 'the dropped file').slice(0, 200)
      const text = await c.req.text()
      try {
        const view = source.load(text, name)
        return c.json({
          location: `/workflows/${encodeURIComponent(view.namespace)}/${encodeURIComponent(view.name)}`,
        })
      } catch (error) {
        return c.text((error as Error).message.split('\n')[0]!, 400)
      }
    },
  )

  app.get('/workflows/:namespace/:name/logs/:pod', async (c) => {
    if (!source.logs) return c.text('a simulated run has no logs: its steps never ran', 404)
    const response = await source.logs(
      c.req.param('namespace')!,
      c.req.param('name')!,
      c.req.param('pod')!,
    )
    return (
      response ?? c.text(`no Pod ${c.req.param('pod')} of workflow ${c.req.param('name')}`, 404)
    )
  })

  app.get('/version', (c) => c.text(String(source.version?.() ?? 0)))

  app.get('/controllers', async (c) => {
    if (!source.controllers)
      return c.text('the controllers page needs a cluster (metahooks ui without --simulate)', 404)
    return c.html(controllersPage(await source.controllers(), source.mode))
  })

  app.post('/workflows/:namespace/:name/actions/:action', async (c) => {
    const action = c.req.param('action')
    if (!source.act) return c.text('actions are off: start metahooks ui with --allow-actions', 403)
    if (!(action in ACTIONS))
      return c.text(`unknown action ${action}; known: ${Object.keys(ACTIONS).join(', ')}`, 404)
    const view = await find(c)
    if (!view) return notFound(c)
    if (!ACTIONS[action]!.offered(view.phase))
      return c.text(`${action} is not offered for a workflow that is ${view.phase}`, 409)
    await source.act(c.req.param('namespace')!, c.req.param('name')!, action)
    return c.json({ done: action })
  })

  app.get('/workflows/:namespace/:name', async (c) => {
    const view = await find(c)
    if (!view) return notFound(c)
    const simulated = source.simulated && {
      rounds: source.simulated.rounds.length,
      done: source.simulated.done,
    }
    return c.html(
      graphPage(view, {
        mode: source.mode,
        ...(simulated ? { simulated } : { liveVersion: versionOf(view) }),
        actions: source.act !== undefined,
      }),
    )
  })

  /** Changes whenever the status does: a live page reloads when it does. */
  app.get('/workflows/:namespace/:name/version', async (c) => {
    const view = await find(c)
    return view ? c.text(versionOf(view)) : notFound(c)
  })

  app.get('/api/workflows/:namespace/:name', async (c) => {
    const view = await find(c)
    return view ? c.json(view) : notFound(c)
  })

  // The simulator's controls: they change nothing but the simulation in this process.
  const control = (
    path: string,
    act: (run: SimulatedRun, c: Context) => Promise<Response | undefined>,
  ) =>
    app.post(`/workflows/:namespace/:name/${path}`, async (c) => {
      const run = source.simulated
      if (!run)
        return c.text('only a simulated run (metahooks ui --simulate FILE) has controls', 405)
      if (!(await find(c))) return notFound(c)
      return (await act(run, c)) ?? c.json(run.view)
    })
  control('step', async (run) => void (await run.step()))
  control('finish', async (run) => void (await run.finish()))
  control('restart', async (run) => void run.restart())
  control('retry', async (run, c) => {
    if (!ACTIONS.retry!.offered(run.view.phase))
      return c.text(`retry is for a Failed or Error workflow; this one is ${run.view.phase}`, 409)
    await run.retry()
    return undefined
  })
  control('decide', async (run, c) => {
    const parsed = Decision.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success)
      return c.text(
        `a decision is {step, exitCode 0-255, stdout?}: ${parsed.error.issues[0]?.message}`,
        400,
      )
    const { step, exitCode, stdout } = parsed.data
    run.decide(step, { exitCode, ...(stdout !== undefined && { stdout }) })
    return undefined
  })

  // A failure reaching the cluster is a page that says so, not a bare 500.
  app.onError((error, c) => c.text(`metahooks ui: ${error.message.split('\n')[0]}`, 502))
  return app
}

function versionOf(view: WorkflowView): string {
  const phases = Object.entries(view.nodes)
    .map(([id, n]) => `${id}:${n.phase}`)
    .sort()
    .join(',')
  return `${view.phase}|${view.progress ?? ''}|${view.retry?.count ?? 0}|${view.retry?.message ?? ''}|${phases}`
}
