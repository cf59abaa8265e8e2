import { Agent, request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import { myPodParent, observedPod } from '../fixtures/mypod.ts'
import { startServerProcess, type ServerProcess } from '../fixtures/server.ts'

// SIGTERM while the real server (`npm start`) is busy: readiness turns 503 first, every request
// already sent completes with its full 200, new connections are refused, and it exits 0 in time.

let server: ServerProcess | undefined
afterEach(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL')
  server = undefined
})

interface Reply {
  status: number
  body: string
}

function post(url: string, body: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/mypod/sync`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('graceful shutdown under load', () => {
  it('SIGTERM with 24 large requests in flight and a stream of small ones: all in-flight complete, then exit 0 (not 1, which the server exits with past its deadline)', async () => {
    server = await startServerProcess({ METAHOOKS_SHUTDOWN_DELAY_SECONDS: '1', METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: '20', METAHOOKS_MAX_CONCURRENCY: '0' })
    const { url } = server
    // ~1.7 MB each: their parsing and checks queue up behind one another on the server's thread.
    const large = JSON.stringify(compositeRequest(mypod, { parent: myPodParent(), observed: Array.from({ length: 2000 }, (_, i) => observedPod(i === 0 ? 'mypod-test' : `extra-${i}`)) }))
    const small = JSON.stringify(compositeRequest(mypod, { parent: myPodParent() }))
    const agent = new Agent({ keepAlive: true, maxSockets: 64 })

    // Background load: small requests on keep-alive connections until the server goes away.
    const background: { status: number }[] = []
    let stopping = false
    const streams = Array.from({ length: 8 }, async () => {
      while (!stopping) {
        try {
          background.push(await post(url, small, agent))
        } catch {
          return // the listener closed: connection refused or an idle socket closed under us
        }
      }
    })
    await new Promise((r) => setTimeout(r, 200))

    const inFlight = Array.from({ length: 24 }, () => post(url, large, agent))
    await new Promise((r) => setTimeout(r, 50))
    server.child.kill('SIGTERM')

    // Readiness goes first (polled on its own connection).
    await expect.poll(() => fetch(`${url}/readyz`).then((r) => r.status, () => -1), { interval: 25, timeout: 1000 }).toBe(503)

    const replies = await Promise.all(inFlight)
    expect(replies.map((r) => r.status)).toEqual(Array(24).fill(200))
    for (const r of replies) expect(JSON.parse(r.body).children).toHaveLength(1)

    expect(await server.exited).toBe(0)
    stopping = true
    await Promise.all(streams)
    agent.destroy()
    // Every answer the background load got was a 200: shutdown never answers a hook call with an error.
    expect(background.length).toBeGreaterThan(0)
    expect(background.every((r) => r.status === 200)).toBe(true)
    // After exit nothing listens.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    expect(server.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']))
  })
})
