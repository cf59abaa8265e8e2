import { describe, expect, it } from 'vitest'
import { requestEtag } from '../../hooks/core/http/etag.ts'
import { nodeSha256 } from '../../hooks/node.ts'
import { compositeRequest, decoratorRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import todo from '../../hooks/todo/index.ts'
import { myPodParent, observedPod, NOTES_POD } from '../fixtures/mypod.ts'
import {
  clusterThing,
  clusterThingParent,
  configMap,
  echo,
  echoParent,
  labeler,
} from '../fixtures/controllers.ts'
import { post, testApp } from '../fixtures/app.ts'

const syncRequest = (version: 'v1' | 'v2' = 'v2') =>
  compositeRequest(mypod, { parent: myPodParent(), version })

describe('hook routes: success', () => {
  it.each(['v1', 'v2'] as const)(
    'MyPod sync with a %s request returns the Pod and status',
    async (version) => {
      const { app } = testApp()
      const res = await app.request(
        post(
          '/mypod/sync',
          compositeRequest(mypod, {
            parent: myPodParent(),
            version,
            observed: [observedPod(NOTES_POD, { phase: 'Running', ready: true })],
          }),
        ),
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      const body = await res.json()
      expect(body.children).toHaveLength(1)
      expect(body.children[0]).toMatchObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: NOTES_POD },
      })
      expect(body.status).toMatchObject({
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
      })
    },
  )

  it.each(['v1', 'v2'] as const)(
    'cluster-scoped parent with a %s request: namespaced children carry their namespace',
    async (version) => {
      const { app } = testApp()
      const observed = [
        { ...configMap('shared', 'team-a'), metadata: { name: 'shared', namespace: 'team-a' } },
      ]
      const res = await app.request(
        post(
          '/cluster-thing/sync',
          compositeRequest(
            { ...clusterThing, hookVersion: version },
            { parent: clusterThingParent(), observed },
          ),
        ),
      )
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(
        body.children.map(
          (c: { kind: string; metadata: { namespace?: string; name: string } }) =>
            `${c.kind}/${c.metadata.namespace ?? ''}/${c.metadata.name}`,
        ),
      ).toEqual([
        'ConfigMap/team-a/shared',
        'ConfigMap/team-b/shared',
        'ClusterRole//shared-reader',
      ])
      expect(body.status).toEqual({ configMaps: ['team-a/shared'] })
    },
  )

  it('decorator sync answers with labels, attachments and status null', async () => {
    const { app } = testApp()
    const target = configMap('cfg', 'default', { 'labeler.test/team': 'red' })
    const res = await app.request(
      post('/labeler/sync', decoratorRequest(labeler, { parent: target })),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      labels: { team: 'red', obsolete: null },
      status: null,
    })
  })

  it('customize returns relatedResources', async () => {
    const { app } = testApp()
    const res = await app.request(
      post('/cluster-thing/customize', { controller: {}, parent: clusterThingParent() }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      relatedResources: [{ apiVersion: 'v1', resource: 'namespaces', names: ['team-a', 'team-b'] }],
    })
  })

  it('finalize reports finalized once the children are gone; sync URL with finalizing: true runs finalize too', async () => {
    const { app } = testApp()
    const gone = compositeRequest(clusterThing, { parent: clusterThingParent(), finalizing: true })
    for (const path of ['/cluster-thing/finalize', '/cluster-thing/sync']) {
      const res = await app.request(post(path, gone))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ status: { remaining: 0 }, children: [], finalized: true })
    }
    const pending = compositeRequest(clusterThing, {
      parent: clusterThingParent(),
      finalizing: true,
      observed: [configMap('shared', 'team-a')],
    })
    expect(
      await (await app.request(post('/cluster-thing/finalize', pending))).json(),
    ).toMatchObject({ finalized: false })
  })

  it('answers the same request with the same bytes', async () => {
    const { app } = testApp()
    const a = await (await app.request(post('/mypod/sync', syncRequest()))).text()
    const b = await (await app.request(post('/mypod/sync', syncRequest()))).text()
    expect(a).toBe(b)
  })

  it('GET / lists controllers and routes; health routes answer', async () => {
    const { app } = testApp()
    const index = await (await app.request('/')).json()
    expect(index.controllers.find((c: { name: string }) => c.name === 'mypod')).toEqual({
      name: 'mypod',
      type: 'composite',
      hookVersion: 'v2',
      parent: 'MyPod.crd.example.com/v1',
      children: ['Pod.v1'],
      routes: ['/mypod/sync'],
    })
    expect(
      index.controllers.find((c: { name: string }) => c.name === 'cluster-thing').routes,
    ).toEqual(['/cluster-thing/sync', '/cluster-thing/finalize', '/cluster-thing/customize'])
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/readyz')).status).toBe(200)
    const draining = testApp({ isReady: () => false })
    expect((await draining.app.request('/readyz')).status).toBe(503)
    expect((await draining.app.request('/healthz')).status).toBe(200)
  })
})

describe('hook routes: every failure is an error status, never a 200', () => {
  const cases: { name: string; request: () => Request; status: number; body: RegExp }[] = [
    {
      name: 'malformed JSON',
      request: () => post('/mypod/sync', '{"parent": '),
      status: 400,
      body: /not valid JSON/,
    },
    {
      name: 'invalid UTF-8',
      request: () => post('/mypod/sync', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])),
      status: 400,
      body: /not valid JSON \(UTF-8\)/,
    },
    {
      name: 'JSON that is not an object',
      request: () => post('/mypod/sync', '[1,2]'),
      status: 400,
      body: /not a Metacontroller CompositeController sync request/,
    },
    {
      name: 'missing parent',
      request: () =>
        post('/mypod/sync', { controller: {}, children: {}, related: {}, finalizing: false }),
      status: 400,
      body: /parent: /,
    },
    {
      name: 'children of the wrong type',
      request: () => post('/mypod/sync', { ...syncRequest(), children: [] }),
      status: 400,
      body: /children: /,
    },
    {
      name: 'entry without metadata.name',
      request: () =>
        post('/mypod/sync', {
          ...syncRequest(),
          children: { 'Pod.v1': { x: { apiVersion: 'v1', kind: 'Pod', metadata: {} } } },
        }),
      status: 400,
      body: /children\.Pod\.v1\.x: expected a Kubernetes object with apiVersion, kind and metadata\.name/,
    },
    {
      name: 'a decorator request on a composite route',
      request: () =>
        post('/mypod/sync', decoratorRequest(labeler, { parent: configMap('c', 'default') })),
      status: 400,
      body: /parent: .*children: /,
    },
    {
      name: 'finalizing missing',
      request: () => post('/mypod/sync', { ...syncRequest(), finalizing: undefined }),
      status: 400,
      body: /finalizing/,
    },
    {
      name: 'finalize route with finalizing false',
      request: () =>
        post(
          '/cluster-thing/finalize',
          compositeRequest(clusterThing, { parent: clusterThingParent() }),
        ),
      status: 400,
      body: /finalizing: false/,
    },
    {
      name: 'finalizing true for a controller without finalize',
      request: () => post('/mypod/sync', { ...syncRequest(), finalizing: true }),
      status: 400,
      body: /has no finalize hook/,
    },
    {
      name: 'parent of another kind',
      request: () =>
        post('/mypod/sync', { ...syncRequest(), parent: { ...myPodParent(), kind: 'YourPod' } }),
      status: 400,
      body: /parent is YourPod.crd.example.com\/v1; mypod handles MyPod.crd.example.com\/v1/,
    },
    {
      name: 'parent with an impossible name',
      request: () =>
        post('/mypod/sync', {
          ...syncRequest(),
          parent: { ...myPodParent(), metadata: { name: '..', namespace: 'default' } },
        }),
      status: 400,
      body: /parent name "\.\." is not a valid MyPod name \(a DNS-1123 subdomain/,
    },
    {
      name: 'namespaced parent without a namespace',
      request: () =>
        post('/mypod/sync', {
          ...syncRequest(),
          parent: { ...myPodParent(), metadata: { name: 'x' } },
        }),
      status: 400,
      body: /is namespaced but has no metadata.namespace/,
    },
    {
      name: 'cluster-scoped parent with a namespace',
      request: () =>
        post(
          '/cluster-thing/sync',
          compositeRequest(clusterThing, {
            parent: { ...clusterThingParent(), metadata: { name: 'x', namespace: 'default' } },
          }),
        ),
      status: 400,
      body: /is cluster-scoped but has metadata.namespace/,
    },
    {
      name: 'observed child the controller cannot read',
      request: () =>
        post(
          '/mypod/sync',
          compositeRequest(mypod, {
            parent: myPodParent(),
            observed: [{ ...observedPod(), spec: { containers: [null] } }],
          }),
        ),
      status: 400,
      body: /observed Pod default\/mypod-test-[0-9a-f]{8} is malformed: spec.containers\[0\]: /,
    },
    {
      name: 'invalid parent spec',
      request: () =>
        post(
          '/mypod/sync',
          compositeRequest(mypod, {
            parent: myPodParent({ image: 123, customCommand: "echo 'x" }),
          }),
        ),
      status: 422,
      body: /^invalid parent spec: spec\.customCommand: cannot be split.*; spec\.image: /,
    },
    {
      name: 'invalid spec on a cluster-scoped parent',
      request: () =>
        post(
          '/cluster-thing/sync',
          compositeRequest(clusterThing, { parent: clusterThingParent({ namespaces: [] }) }),
        ),
      status: 422,
      body: /spec\.namespaces/,
    },
    {
      name: 'controller throws',
      request: () =>
        post('/echo/sync', compositeRequest(echo, { parent: echoParent({ throw: 'error' }) })),
      status: 500,
      body: /^internal error in echo sync: see the hook server's log$/,
    },
    {
      name: 'controller throws a HookError',
      request: () =>
        post('/echo/sync', compositeRequest(echo, { parent: echoParent({ throw: 'hook-error' }) })),
      status: 409,
      body: /^waiting for something$/,
    },
    {
      name: 'response check violation',
      request: () =>
        post(
          '/echo/sync',
          compositeRequest(echo, {
            parent: echoParent({
              response: {
                children: [
                  {
                    kind: 'ConfigMap',
                    apiVersion: 'v1',
                    metadata: { name: 'x', namespace: 'elsewhere' },
                  },
                ],
                status: {},
              },
            }),
          }),
        ),
      status: 500,
      body: /child ConfigMap elsewhere\/x: namespace elsewhere differs/,
    },
    {
      name: 'wrong content type',
      request: () =>
        post('/mypod/sync', JSON.stringify(syncRequest()), { 'Content-Type': 'text/plain' }),
      status: 415,
      body: /application\/json/,
    },
    {
      name: 'wrong method',
      request: () => new Request('http://hooks.test/mypod/sync', { method: 'GET' }),
      status: 405,
      body: /Method Not Allowed/,
    },
    {
      name: 'PUT on a hook route',
      request: () => new Request('http://hooks.test/mypod/sync', { method: 'PUT', body: '{}' }),
      status: 405,
      body: /Method Not Allowed/,
    },
    {
      name: 'unknown controller',
      request: () => post('/nope/sync', syncRequest()),
      status: 404,
      body: /no route POST "\/nope\/sync"/,
    },
    {
      name: 'hook the controller does not have',
      request: () => post('/mypod/finalize', syncRequest()),
      status: 404,
      body: /no route/,
    },
  ]

  it.each(cases)('$name → $status', async ({ request, status, body }) => {
    const { app, lines } = testApp()
    const res = await app.request(request())
    expect(res.status).toBe(status)
    expect(await res.text()).toMatch(body)
    if (status !== 404 && status !== 405) expect(lines.at(-1)).toMatchObject({ status })
  })

  it('405 names the allowed method', async () => {
    const { app } = testApp()
    const res = await app.request('/mypod/sync')
    expect(res.headers.get('allow')).toBe('POST')
  })

  it('a throw is logged with its cause but the body stays secret-free', async () => {
    const { app, lines } = testApp()
    const res = await app.request(
      post('/echo/sync', compositeRequest(echo, { parent: echoParent({ throw: 'error' }) })),
    )
    expect(await res.text()).not.toContain('secret-value-42')
    expect(lines.at(-1)).toMatchObject({
      status: 500,
      controller: 'echo',
      hook: 'sync',
      cause: expect.stringContaining('boom'),
      stack: expect.any(String),
    })
  })

  it('413 past METAHOOKS_MAX_BODY_BYTES, with or without Content-Length', async () => {
    const { app } = testApp({ maxBodyBytes: 1000 })
    const big = JSON.stringify({ ...syncRequest(), padding: 'x'.repeat(2000) })
    const withLength = await app.request(post('/mypod/sync', big))
    expect(withLength.status).toBe(413)
    expect(await withLength.text()).toMatch(/exceeds 1000 bytes/)
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const chunked = await app.request(
      new Request('http://hooks.test/mypod/sync', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    )
    expect(chunked.status).toBe(413)
  })

  it('429 with Retry-After past METAHOOKS_MAX_CONCURRENCY', async () => {
    const { app } = testApp({ maxConcurrency: 2 })
    const slow = () =>
      app.request(
        post('/echo/sync', compositeRequest(echo, { parent: echoParent({ waitMs: 200 }) })),
      )
    const results = await Promise.all([slow(), slow(), slow(), slow()])
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 429, 429])
    const shed = results.find((r) => r.status === 429)!
    expect(shed.headers.get('retry-after')).toBe('1')
    // Capacity comes back once the slow ones finish.
    expect((await slow()).status).toBe(200)
  })

  it('logs one JSON line per hook request with the documented fields', async () => {
    const { app, lines } = testApp()
    await app.request(
      post(
        '/mypod/sync',
        compositeRequest(mypod, { parent: myPodParent(), observed: [observedPod()] }),
      ),
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      msg: 'hook',
      controller: 'mypod',
      hook: 'sync',
      namespace: 'default',
      name: 'mypod-test',
      observed: 1,
      desired: 1,
      status: 200,
    })
    expect(typeof lines[0]!.durationMs).toBe('number')
  })
})

describe('ETag', () => {
  it('200 carries an ETag; the same body with If-None-Match gets 304 and no body', async () => {
    const { app, lines } = testApp()
    const first = await app.request(post('/mypod/sync', syncRequest()))
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const again = await app.request(post('/mypod/sync', syncRequest(), { 'If-None-Match': etag! }))
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    expect(await again.text()).toBe('')
    expect(lines.at(-1)).toMatchObject({ status: 304, etag: 'hit' })
    // Without If-None-Match the outcome is a byte-identical 200.
    const fresh = await app.request(post('/mypod/sync', syncRequest()))
    expect(await fresh.text()).toBe(await first.clone().text())
  })

  it('a changed request gets a new ETag and a full 200', async () => {
    const { app } = testApp()
    const etag = (await app.request(post('/mypod/sync', syncRequest()))).headers.get('etag')!
    const changed = compositeRequest(mypod, { parent: myPodParent({ image: 'nginx:1.27' }) })
    const res = await app.request(post('/mypod/sync', changed, { 'If-None-Match': etag }))
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).not.toBe(etag)
  })

  it('new code (another version) never matches an old ETag', async () => {
    const etag = (
      await testApp({ version: 'a' }).app.request(post('/mypod/sync', syncRequest()))
    ).headers.get('etag')!
    const res = await testApp({ version: 'b' }).app.request(
      post('/mypod/sync', syncRequest(), { 'If-None-Match': etag }),
    )
    expect(res.status).toBe(200)
  })

  it("the Node server's incremental node:crypto hash gives the same ETag as Web Crypto (Workers)", async () => {
    const body = new TextEncoder().encode(JSON.stringify(syncRequest()))
    const web = await requestEtag('v1+abc', '/mypod/sync', body)
    expect(await requestEtag('v1+abc', '/mypod/sync', body, nodeSha256)).toBe(web)
    expect(await requestEtag('v1+abc', '/mypod/finalize', body, nodeSha256)).not.toBe(web)
  })

  it('errors carry no ETag', async () => {
    const res = await testApp().app.request(
      post('/mypod/sync', compositeRequest(mypod, { parent: myPodParent({ image: '' }) })),
    )
    expect(res.status).toBe(422)
    expect(res.headers.get('etag')).toBeNull()
  })
})

describe('auth', () => {
  const body = () => syncRequest()

  it.each([
    {
      name: 'Bearer token',
      auth: { token: { scheme: 'Bearer', value: 's3cr3t:with/odd=chars!' } },
      good: 'Bearer s3cr3t:with/odd=chars!',
      bad: 'Bearer nope',
    },
    {
      name: 'custom scheme, case-insensitive',
      auth: { token: { scheme: 'Token', value: 'abc' } },
      good: 'token abc',
      bad: 'Bearer abc',
    },
    {
      name: 'Basic',
      auth: { basic: { username: 'mc', password: 'pw' } },
      good: `Basic ${btoa('mc:pw')}`,
      bad: `Basic ${btoa('mc:wrong')}`,
    },
    {
      name: 'either of both configured (basic)',
      auth: {
        token: { scheme: 'Bearer', value: 'tok-123' },
        basic: { username: 'u', password: 'p' },
      },
      good: `Basic ${btoa('u:p')}`,
      bad: 'Basic tok-123',
    },
    {
      name: 'either of both configured (bearer)',
      auth: {
        token: { scheme: 'Bearer', value: 'tok-123' },
        basic: { username: 'u', password: 'p' },
      },
      good: 'Bearer tok-123',
      bad: `Bearer ${btoa('u:p')}`,
    },
  ])(
    '$name: 401 without or with wrong credentials, 200 with the right ones',
    async ({ auth, good, bad }) => {
      const { app, lines } = testApp({ auth: { allowUnauthenticated: false, ...auth } })
      const missing = await app.request(post('/mypod/sync', body()))
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toMatch(/realm="metahooks"/)
      const wrong = await app.request(post('/mypod/sync', body(), { Authorization: bad }))
      expect(wrong.status).toBe(401)
      expect(await wrong.text()).toBe('unauthorized')
      const ok = await app.request(post('/mypod/sync', body(), { Authorization: good }))
      expect(ok.status).toBe(200)
      // Each refusal is one log line naming the scheme offered, never the credentials (right or wrong).
      expect(lines.filter((l) => l.msg === 'refused')).toEqual([
        {
          msg: 'refused',
          path: '/mypod/sync',
          status: 401,
          reason: 'missing or wrong credentials',
          scheme: 'none',
        },
        {
          msg: 'refused',
          path: '/mypod/sync',
          status: 401,
          reason: 'missing or wrong credentials',
          scheme: bad.split(' ')[0],
        },
      ])
      expect(JSON.stringify(lines)).not.toContain(good.split(' ')[1])
      expect(JSON.stringify(lines)).not.toContain(bad.split(' ')[1])
    },
  )

  it('health routes stay open; the index needs credentials', async () => {
    const { app } = testApp({
      auth: { allowUnauthenticated: false, token: { scheme: 'Bearer', value: 't' } },
    })
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/readyz')).status).toBe(200)
    expect((await app.request('/')).status).toBe(401)
  })

  it('without credentials and without allowUnauthenticated (the Workers rule) hook calls are refused', async () => {
    const { app } = testApp({ auth: { allowUnauthenticated: false } })
    const res = await app.request(post('/mypod/sync', body()))
    expect(res.status).toBe(503)
    expect(await res.text()).toMatch(/METAHOOKS_ALLOW_UNAUTHENTICATED/)
    expect((await app.request('/healthz')).status).toBe(200)
  })
})

describe('controllers that read the clock', () => {
  const todoRequest = () =>
    compositeRequest(todo, {
      parent: {
        apiVersion: 'ch20.kiamol.net/v1',
        kind: 'ToDo',
        metadata: { name: 'ch20', namespace: 'default' },
        spec: { dueDate: '2020-07-26' },
      },
    })

  it('see the request time to the minute, and their ETag covers that minute', async () => {
    let now = new Date('2020-07-25T13:30:10Z')
    const { app } = testApp({ clock: () => now })
    const first = await app.request(post('/todo/sync', todoRequest()))
    expect(await first.json()).toMatchObject({
      status: { state: 'Upcoming' },
      resyncAfterSeconds: 37800,
    })
    const etag = first.headers.get('etag')!

    now = new Date('2020-07-25T13:30:50Z')
    const sameMinute = await app.request(
      post('/todo/sync', todoRequest(), { 'If-None-Match': etag }),
    )
    expect(sameMinute.status).toBe(304)

    now = new Date('2020-07-26T00:00:05Z')
    const nextDay = await app.request(post('/todo/sync', todoRequest(), { 'If-None-Match': etag }))
    expect(nextDay.status).toBe(200)
    expect(await nextDay.json()).toMatchObject({ status: { state: 'DueToday' } })
  })

  it('other controllers never see a clock, and their ETag ignores time', async () => {
    let now = new Date('2020-01-01T00:00:00Z')
    const { app } = testApp({ clock: () => now })
    const etag = (await app.request(post('/mypod/sync', syncRequest()))).headers.get('etag')!
    now = new Date('2030-01-01T00:00:00Z')
    expect(
      (await app.request(post('/mypod/sync', syncRequest(), { 'If-None-Match': etag }))).status,
    ).toBe(304)
  })
})
