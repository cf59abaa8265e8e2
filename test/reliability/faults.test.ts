import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LogLine } from '../../hooks/core/http/log.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import { controllers } from '../../hooks/registry.ts'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import { echo, echoParent, testControllers } from '../fixtures/controllers.ts'
import { myPodParent } from '../fixtures/mypod.ts'
import { openPost } from '../fixtures/server.ts'

// Faults on a real Node server on loopback: each gets the right status and one clear log line,
// and the server keeps serving afterwards.

const BUDGET_SECONDS = 0.3
let server: RunningServer
const lines: LogLine[] = []

beforeAll(async () => {
  server = await startNodeServer({
    host: '127.0.0.1',
    port: 0,
    env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: String(BUDGET_SECONDS) },
    controllers: [...controllers, ...testControllers],
    log: (line) => lines.push(line),
  })
})
afterAll(async () => {
  await server.shutdown('test done')
})

const echoBody = (spec: Record<string, unknown>, name: string) =>
  JSON.stringify(compositeRequest(echo, { parent: echoParent(spec, name) }))
const hookLines = (name: string) => lines.filter((l) => l.msg === 'hook' && l.name === name)

async function stillServes(): Promise<void> {
  const res = await fetch(`${server.url}/mypod/sync`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(compositeRequest(mypod, { parent: myPodParent() })),
  })
  expect(res.status).toBe(200)
  expect((await res.json()).children).toHaveLength(1)
}

describe('controller faults', () => {
  it.each([
    {
      name: 'throws',
      spec: { throw: 'error' },
      status: 500,
      body: /^internal error in echo sync: see the hook server's log$/,
      log: { status: 500, cause: 'Error: boom: secret-value-42 must not reach the client' },
      reason: 'a bug is a 500 with the cause in the log only, never a 200 with fewer children',
    },
    {
      name: 'never returns',
      spec: { hang: true },
      status: 503,
      body: /did not answer within 0\.3 s/,
      log: { status: 503, error: expect.stringContaining('did not answer within 0.3 s') },
      reason: 'the time budget answers before Metacontroller gives up at 10 s',
    },
    {
      name: 'is slower than the budget',
      spec: { waitMs: 1500 },
      status: 503,
      body: /METAHOOKS_HOOK_TIMEOUT_SECONDS/,
      log: { status: 503 },
      reason: 'slow is treated like hung: Metacontroller retries with backoff',
    },
    {
      name: 'returns an invalid response',
      spec: {
        response: {
          children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, status: {} }],
          status: {},
        },
      },
      status: 500,
      body: /response check failed: child ConfigMap x: status cannot be set/,
      log: { status: 500 },
      reason: 'the response check names the child and the rule',
    },
    {
      name: 'returns a mis-cased key',
      spec: { response: { Children: [], status: {} } },
      status: 500,
      body: /unknown response key "Children"/,
      log: { status: 500 },
      reason: 'a mis-cased children key would mean "delete every child"',
    },
  ])('a controller that $name: $status ($reason)', async ({ spec, status, body, log }) => {
    const name = `fault-${status}-${lines.length}`
    const res = await fetch(`${server.url}/echo/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: echoBody(spec, name),
    })
    expect(res.status).toBe(status)
    const text = await res.text()
    expect(text).toMatch(body)
    expect(text).not.toContain('secret-value-42')
    if (status === 503) {
      expect(res.headers.get('retry-after')).toBe('1')
    }
    await expect.poll(() => hookLines(name).length).toBeGreaterThan(0)
    expect(hookLines(name)).toHaveLength(1)
    expect(hookLines(name)[0]).toMatchObject({ controller: 'echo', hook: 'sync', ...log })
    await stillServes()
  })
})

describe('clients that go away', () => {
  it('disconnecting mid-body: one log line (499), no response attempt fails the server', async () => {
    const body = Buffer.from(echoBody({}, 'gone-mid-body'))
    const { req, response } = openPost(server.url, '/echo/sync', body.length)
    response.catch(() => {})
    req.write(body.subarray(0, 20))
    await new Promise((r) => setTimeout(r, 100))
    req.destroy()
    await expect
      .poll(() =>
        lines.some((l) => l.msg === 'hook' && l.controller === 'echo' && l.status === 499),
      )
      .toBe(true)
    expect(lines.filter((l) => l.status === 499)).toHaveLength(1)
    expect(lines.find((l) => l.status === 499)).toMatchObject({
      error: 'client disconnected before the request body was complete',
    })
    expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false)
    await stillServes()
  })

  it('disconnecting while the controller runs: the call finishes and is logged once, the server carries on', async () => {
    const body = echoBody({ waitMs: 150 }, 'gone-while-running')
    const req = httpRequest(`${server.url}/echo/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    })
    req.on('error', () => {})
    req.end(body)
    await new Promise((r) => setTimeout(r, 50))
    req.destroy()
    await expect.poll(() => hookLines('gone-while-running').length).toBeGreaterThan(0)
    expect(hookLines('gone-while-running')).toHaveLength(1)
    expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false)
    await stillServes()
  })
})
