import { Agent, request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { controllers } from '../../hooks/registry.ts'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import { echo, echoParent, testControllers } from '../fixtures/controllers.ts'
import { loadSeeds } from '../stress/harness.ts'
import { load } from '../stress/load.ts'

// Bounded load on a real Node server over loopback (a count of requests, not a duration; no timing
// asserted): valid requests for every controller all get 200; past METAHOOKS_MAX_CONCURRENCY the
// excess gets 429 + Retry-After at once instead of waiting into a timeout.

let server: RunningServer | undefined
afterEach(async () => {
  await server?.shutdown('test done')
  server = undefined
})

const start = (env: Record<string, string>) =>
  startNodeServer({
    host: '127.0.0.1',
    port: 0,
    env,
    controllers: [...controllers, ...testControllers],
    log: () => {},
    clock: () => new Date('2026-11-22T12:00:00Z'),
  })

describe('load on the Node server', () => {
  it('3,000 valid requests across every controller over 64 connections: every one a 200', async () => {
    server = await start({ METAHOOKS_MAX_CONCURRENCY: '0' })
    const result = await load(server.url, await loadSeeds(), { connections: 64, amount: 3000 })
    expect(result).toMatchObject({
      requests: 3000,
      statuses: { 200: 3000 },
      errors: 0,
      timeouts: 0,
    })
  })

  it('past METAHOOKS_MAX_CONCURRENCY: 429 with Retry-After for the excess, 200 for the rest, no errors or timeouts', async () => {
    server = await start({ METAHOOKS_MAX_CONCURRENCY: '4' })
    // Each call waits 50 ms inside the controller, so 32 connections keep far more than 4 in flight.
    const slow = {
      path: '/echo/sync',
      request: compositeRequest(echo, { parent: echoParent({ waitMs: 50 }) }),
    }
    const result = await load(server.url, [slow], { connections: 32, amount: 600 })
    expect(result.errors + result.timeouts).toBe(0)
    expect(Object.keys(result.statuses).sort()).toEqual(['200', '429'])
    expect(result.statuses[200]).toBeGreaterThan(0)
    expect(result.statuses[429]).toBeGreaterThan(0)
    expect(result.missingRetryAfter).toBe(0)
  })

  it('a 429 sent before the body is read still leaves the keep-alive connection usable', async () => {
    server = await start({ METAHOOKS_MAX_CONCURRENCY: '1' })
    const other = new Agent({ keepAlive: true })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const slow = JSON.stringify(compositeRequest(echo, { parent: echoParent({ waitMs: 300 }) }))
    const bulky = JSON.stringify(
      compositeRequest(echo, {
        parent: echoParent({
          response: { status: {}, children: [] },
          pad: 'x'.repeat(2_000_000),
        } as never),
      }),
    )
    const holding = send(server.url, slow, other)
    await new Promise((r) => setTimeout(r, 100))
    // Sent slowly (over ~1 s): the server's own drain of an unread body gives up after 500 ms and closes.
    const shed = await send(server.url, bulky, agent, 10)
    expect(shed.status).toBe(429)
    expect(shed.retryAfter).toBe('1')
    expect((await holding).status).toBe(200)
    // The next call goes over the connection that carried the 429 (2 MB of it unread by the hook).
    const next = await send(server.url, slow, agent)
    expect(next).toMatchObject({ status: 200, reusedSocket: true })
    agent.destroy()
    other.destroy()
  })
})

function send(
  url: string,
  body: string,
  agent: Agent,
  slowChunks = 1,
): Promise<{ status: number; retryAfter: string | undefined; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/echo/sync`,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        // Done when the answer is read and the whole body was sent (a refusal may come first).
        const sent = new Promise((r, j) => {
          if (req.writableFinished) r(null)
          req.once('finish', r)
          req.once('close', () =>
            j(new Error('the server closed the connection before the body was sent')),
          )
        })
        res.on(
          'end',
          () =>
            void sent.then(
              () =>
                resolve({
                  status: res.statusCode ?? 0,
                  retryAfter: res.headers['retry-after'] as string | undefined,
                  reusedSocket: req.reusedSocket,
                }),
              reject,
            ),
        )
      },
    )
    req.on('error', reject)
    const size = Math.ceil(body.length / slowChunks)
    const write = (i: number) => {
      if (i >= slowChunks - 1) return void req.end(body.slice(i * size))
      req.write(body.slice(i * size, (i + 1) * size))
      setTimeout(() => write(i + 1), 100)
    }
    write(0)
  })
}
