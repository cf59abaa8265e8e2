import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ROOT,
  openPost,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from './fixtures/server.ts'

const requestBody = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)
const expectedBody = JSON.stringify(
  JSON.parse(readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.response.json`, 'utf8')),
)

let server: ServerProcess | undefined
afterEach(async () => {
  await stopServerProcess(server)
  server = undefined
})

describe('Node server on loopback (npm start)', () => {
  it('answers a Metacontroller-shaped v2 sync request with the Pod, byte for byte', async () => {
    server = await startServerProcess()
    const res = await fetch(`${server.url}/mypod/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: requestBody,
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(expectedBody)
    const etag = res.headers.get('etag')!
    const cached = await fetch(`${server.url}/mypod/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'If-None-Match': etag },
      body: requestBody,
    })
    expect(cached.status).toBe(304)
    expect(server.logs.find((l) => l.msg === 'hook')).toMatchObject({
      controller: 'mypod',
      hook: 'sync',
      namespace: 'default',
      name: 'mypod-test',
      observed: 1,
      desired: 1,
      status: 200,
    })
  })

  it('requires the configured token', async () => {
    server = await startServerProcess({ METAHOOKS_AUTH_TOKEN: 'node-test-token' })
    const post = (auth?: string) =>
      fetch(`${server!.url}/mypod/sync`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth && { Authorization: auth }) },
        body: requestBody,
      })
    expect((await post()).status).toBe(401)
    expect((await post('Bearer node-test-token')).status).toBe(200)
    expect(JSON.stringify(server.logs)).not.toContain('node-test-token')
  })

  it('refuses to start on a bad setting, naming it', async () => {
    await expect(startServerProcess({ METAHOOKS_MAX_CONCURRENCY: 'lots' })).rejects.toThrow(
      /METAHOOKS_MAX_CONCURRENCY must be an integer from 0 \(no limit\)/,
    )
  })

  it('SIGTERM: readiness fails first, the in-flight request completes, new connections are refused, exit 0', async () => {
    server = await startServerProcess({ METAHOOKS_SHUTDOWN_DELAY_SECONDS: '3' })
    const { url } = server
    const { req, response } = openPost(url, '/mypod/sync', requestBody.length)
    const half = Math.floor(requestBody.length / 2)
    req.write(requestBody.subarray(0, half))
    await new Promise((r) => setTimeout(r, 100))

    server.child.kill('SIGTERM')
    // Polled, not timed: readiness turns 503 during the drain delay…
    const until = async (check: () => Promise<boolean>, ms: number) => {
      const end = Date.now() + ms
      while (Date.now() < end) {
        if (await check()) return true
        await new Promise((r) => setTimeout(r, 25))
      }
      return false
    }
    expect(await until(async () => (await fetch(`${url}/readyz`)).status === 503, 2800)).toBe(true)
    // …then the listener closes while our request is still open.
    expect(
      await until(
        () =>
          fetch(`${url}/healthz`).then(
            () => false,
            () => true,
          ),
        8000,
      ),
    ).toBe(true)
    expect(server.child.exitCode).toBeNull()

    req.end(requestBody.subarray(half))
    const done = await response
    expect(done.status).toBe(200)
    expect(done.body).toBe(expectedBody)

    expect(await server.exited).toBe(0)
    expect(server.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    )
  })
})
