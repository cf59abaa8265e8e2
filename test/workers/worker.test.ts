import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../../hooks/worker.ts'
import { createApp } from '../../hooks/core/http/app.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import cronworkflow from '../../hooks/cronworkflow/index.ts'
import { echo, echoParent } from '../fixtures/controllers.ts'
import { MALFORMED, randomSecret, secretPieces } from '../fixtures/credentials.ts'
import { encodeBody, NEGOTIATION } from '../fixtures/negotiation.ts'
import request from '../fixtures/golden/mypod-sync-v2.request.json'
import expected from '../fixtures/golden/mypod-sync-v2.response.json'

// These run inside workerd (the Workers vitest pool), against the Worker's own entrypoint.

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} }

function call(env: Record<string, unknown>, path: string, init: RequestInit = {}) {
  return worker.fetch(new Request(`https://hooks.example${path}`, init), env, ctx)
}

const syncInit = (headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(request),
})

describe('Worker (workerd)', () => {
  it('runs in workerd', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers')
  })

  it('answers the MyPod v2 sync with the same bytes as Node', async () => {
    const res = await call(
      { METAHOOKS_AUTH_TOKEN: 'tok' },
      '/mypod/sync',
      syncInit({ Authorization: 'Bearer tok' }),
    )
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(JSON.stringify(expected))
  })

  it('runs a CronWorkflow: cron ticks in an IANA time zone (Intl in workerd), the Workflow spec checked without generated code', async () => {
    const parent = {
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'CronWorkflow',
      metadata: {
        name: 'c',
        namespace: 'default',
        uid: 'u',
        creationTimestamp: '2020-01-01T00:00:00Z',
      },
      spec: {
        schedules: ['* * * * *', '30 5 * * *'],
        timezone: 'Asia/Kolkata',
        workflowSpec: {
          entrypoint: 'm',
          templates: [{ name: 'm', container: { image: 'busybox:1.37', command: ['true'] } }],
        },
      },
    }
    const res = await call({ METAHOOKS_ALLOW_UNAUTHENTICATED: 'true' }, '/cronworkflow/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(compositeRequest(cronworkflow, { parent })),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      children: { metadata: { name: string; annotations: Record<string, string> } }[]
      resyncAfterSeconds: number
    }
    // The latest minute has passed: its run, named after its tick.
    expect(body.children).toHaveLength(1)
    const tick = body.children[0]!.metadata.annotations['workflows.metahooks.dev/scheduled-time']!
    expect(tick).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/)
    expect(body.children[0]!.metadata.name).toBe(`c-${Date.parse(tick) / 1000}`)
    expect(body.resyncAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(body.resyncAfterSeconds).toBeLessThanOrEqual(60)
    // 05:30 in Kolkata is midnight UTC: a daily-only schedule says so.
    const daily = await call({ METAHOOKS_ALLOW_UNAUTHENTICATED: 'true' }, '/cronworkflow/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(
        compositeRequest(cronworkflow, {
          parent: { ...parent, spec: { ...parent.spec, schedules: ['30 5 * * *'] } },
        }),
      ),
    })
    expect(
      ((await daily.json()) as { status: { nextScheduledTime: string } }).status.nextScheduledTime,
    ).toMatch(/T00:00:00Z$/)
  })

  it('requires credentials: 401 without, 200 with, Basic too', async () => {
    const env = {
      METAHOOKS_AUTH_TOKEN: 'tok',
      METAHOOKS_BASIC_USERNAME: 'mc',
      METAHOOKS_BASIC_PASSWORD: 'pw',
    }
    expect((await call(env, '/mypod/sync', syncInit())).status).toBe(401)
    expect(
      (await call(env, '/mypod/sync', syncInit({ Authorization: 'Bearer nope' }))).status,
    ).toBe(401)
    expect(
      (await call(env, '/mypod/sync', syncInit({ Authorization: `Basic ${btoa('mc:pw')}` })))
        .status,
    ).toBe(200)
  })

  it('refuses hook calls when no secret is configured, unless explicitly allowed', async () => {
    const refused = await call({}, '/mypod/sync', syncInit())
    expect(refused.status).toBe(503)
    expect(await refused.text()).toMatch(/METAHOOKS_ALLOW_UNAUTHENTICATED/)
    expect((await call({}, '/healthz')).status).toBe(200)
    expect(
      (await call({ METAHOOKS_ALLOW_UNAUTHENTICATED: 'true' }, '/mypod/sync', syncInit())).status,
    ).toBe(200)
  })

  it('serves no /metrics (prom-client is Node only; Workers have their own analytics): 404 even when open', async () => {
    const res = await call(
      { METAHOOKS_AUTH_TOKEN: 'tok', METAHOOKS_METRICS_OPEN: 'true' },
      '/metrics',
      { headers: { Authorization: 'Bearer tok' } },
    )
    expect(res.status).toBe(404)
  })

  it('answers 500 naming the setting when the configuration is invalid', async () => {
    const res = await call({ METAHOOKS_MAX_BODY_BYTES: 'big' }, '/healthz')
    expect(res.status).toBe(500)
    expect(await res.text()).toMatch(/METAHOOKS_MAX_BODY_BYTES/)
  })

  it('ETag 200 → 304, and the same error statuses as Node', async () => {
    const env = { METAHOOKS_ALLOW_UNAUTHENTICATED: 'true', METAHOOKS_BUILD_ID: 'w1' }
    const first = await call(env, '/mypod/sync', syncInit())
    const etag = first.headers.get('etag')!
    expect((await call(env, '/mypod/sync', syncInit({ 'If-None-Match': etag }))).status).toBe(304)
    expect(
      (
        await call(env, '/mypod/sync', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{',
        })
      ).status,
    ).toBe(400)
    const invalid = { ...request, parent: { ...request.parent, spec: { image: 42 } } }
    const res422 = await call(env, '/mypod/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(invalid),
    })
    expect(res422.status).toBe(422)
    expect(await res422.text()).toMatch(/spec\.image/)
    expect((await call(env, '/mypod/sync', { method: 'GET' })).status).toBe(405)
    expect((await call(env, '/nope/sync', syncInit())).status).toBe(404)
    expect(
      (await call({ ...env, METAHOOKS_MAX_BODY_BYTES: '100' }, '/mypod/sync', syncInit())).status,
    ).toBe(413)
  })

  it('the time budget holds in workerd: a controller that never answers gets 503 + Retry-After', async () => {
    const app = createApp({
      controllers: [echo],
      version: 'w',
      auth: { allowUnauthenticated: true },
      maxBodyBytes: 1 << 20,
      maxConcurrency: 0,
      hookTimeoutMs: 100,
      log: () => {},
    })
    const res = await app.request('/echo/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(compositeRequest(echo, { parent: echoParent({ hang: true }) })),
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
  })
})

describe('Worker (workerd): hostile clients, as on Node', () => {
  afterEach(() => vi.restoreAllMocks())
  const open = { METAHOOKS_ALLOW_UNAUTHENTICATED: 'true', METAHOOKS_BUILD_ID: 'w2' }
  const bytes = new TextEncoder().encode(JSON.stringify(request))

  it.each(NEGOTIATION)('content negotiation: $name → $status', async (c) => {
    const res = await call(open, '/mypod/sync', {
      method: 'POST',
      headers: c.headers,
      body: await encodeBody(bytes, c),
    })
    expect(res.status).toBe(c.status)
    expect(await res.text()).toBe(c.body ?? JSON.stringify(expected))
  })

  it('a body that stops arriving is answered 408 at the deadline', async () => {
    const app = createApp({
      controllers: [echo],
      version: 'w',
      auth: { allowUnauthenticated: true },
      maxBodyBytes: 1 << 20,
      maxConcurrency: 0,
      requestTimeoutMs: 200,
      log: () => {},
    })
    const stalled = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{"controller":')),
    })
    const res = await app.request('/echo/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stalled,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(408)
    expect(await res.text()).toBe(
      'request body did not arrive within 0.2 s (METAHOOKS_REQUEST_TIMEOUT_SECONDS)',
    )
  })

  it('past the bytes in flight: 429 + Retry-After, before the body is read', async () => {
    const app = createApp({
      controllers: [echo],
      version: 'w',
      auth: { allowUnauthenticated: true },
      maxBodyBytes: 1 << 20,
      maxBytesInFlight: 1 << 20,
      maxConcurrency: 0,
      requestTimeoutMs: 500,
      log: () => {},
    })
    const holding = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{')),
    })
    const first = app.request('/echo/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(1 << 20) },
      body: holding,
      duplex: 'half',
    } as RequestInit)
    const second = await app.request('/echo/sync', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(compositeRequest(echo, { parent: echoParent({}) })),
    })
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toBe('1')
    expect((await first).status).toBe(408)
  })

  it('a refused Authorization header leaves no piece of its secret in the log', async () => {
    const logged: string[] = []
    vi.spyOn(console, 'log').mockImplementation(
      (...args: unknown[]) => void logged.push(args.map(String).join(' ')),
    )
    const env = {
      METAHOOKS_AUTH_TOKEN: randomSecret(),
      METAHOOKS_BASIC_USERNAME: 'metacontroller',
      METAHOOKS_BASIC_PASSWORD: randomSecret(),
    }
    const sent = MALFORMED.map((m) => ({ ...m, secret: randomSecret() }))
    for (const m of sent)
      expect(
        (await call(env, '/mypod/sync', syncInit({ Authorization: m.header(m.secret) }))).status,
      ).toBe(401)
    const refusals = logged.map((l) => JSON.parse(l)).filter((l) => l.msg === 'refused')
    expect(refusals.map((l) => l.scheme)).toEqual(sent.map((m) => m.logged))
    const text = logged.join('\n')
    for (const m of sent)
      expect(
        secretPieces(m.secret).filter((p) => text.includes(p)),
        m.name,
      ).toEqual([])
  })

  it('credentials are compared as Metacontroller sends them: trimmed Secret values, UTF-8 bytes', async () => {
    const basic = {
      METAHOOKS_BASIC_USERNAME: 'metacontroller',
      METAHOOKS_BASIC_PASSWORD: 'pa55word\n',
    }
    // workerd hands header values over decoded as UTF-8.
    const token = { METAHOOKS_AUTH_TOKEN: 'tök€n-秘密\n' }
    const cases: [Record<string, string>, string, number][] = [
      [basic, `Basic ${btoa('metacontroller:pa55word')}`, 200],
      [basic, `Basic ${btoa('metacontroller:pa55word\n')}`, 200],
      [basic, `Basic ${btoa('metacontroller:pa55word ')}`, 401],
      [token, 'Bearer tök€n-秘密', 200],
      [token, 'Bearer tök€n-秘', 401],
    ]
    for (const [env, authorization, status] of cases)
      expect(
        (await call(env, '/mypod/sync', syncInit({ Authorization: authorization }))).status,
        authorization,
      ).toBe(status)
  })

  it('error bodies stay on one printable line: a path with a newline, an escape and a bidi override', async () => {
    const res = await call(open, '/no%0Ape%1B%E2%80%AE/sync', syncInit())
    expect(res.status).toBe(404)
    expect(await res.text()).toBe(
      'no route POST "/no\\npe\\u001b\\u202e/sync"; GET / lists the controllers',
    )
  })
})
