import { Agent, request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import { myPodParent, observedPod, NOTES_POD } from '../fixtures/mypod.ts'
import { rawConnection, rawRequest } from '../fixtures/raw.ts'
import { startServerProcess, stopServerProcess, type ServerProcess } from '../fixtures/server.ts'

// SIGTERM while the real server (`npm start`) is busy: readiness turns 503 first, every request
// already sent completes with its full 200, new connections are refused, and it exits 0 in time.

let server: ServerProcess | undefined
afterEach(async () => {
  await stopServerProcess(server)
  server = undefined
})

const small = JSON.stringify(compositeRequest(mypod, { parent: myPodParent() }))

interface Reply {
  status: number
  body: string
}

function post(url: string, body: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/mypod/sync`,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('graceful shutdown under load', () => {
  it('SIGTERM with 24 large requests in flight and a stream of small ones: all in-flight complete, then exit 0 (not 1, which the server exits with past its deadline)', async () => {
    server = await startServerProcess({
      // Readiness is 503 for the delay, then the listener closes: the delay is long enough for the
      // poll below to get through while the server's thread works through the large bodies.
      METAHOOKS_SHUTDOWN_DELAY_SECONDS: '4',
      METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: '20',
      METAHOOKS_MAX_CONCURRENCY: '0',
      METAHOOKS_MAX_BYTES_IN_FLIGHT: '0',
    })
    const { url } = server
    // ~1.7 MB each: their parsing and checks queue up behind one another on the server's thread.
    const large = JSON.stringify(
      compositeRequest(mypod, {
        parent: myPodParent(),
        observed: Array.from({ length: 2000 }, (_, i) =>
          observedPod(i === 0 ? NOTES_POD : `extra-${i}`),
        ),
      }),
    )
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
    await expect
      .poll(
        () =>
          fetch(`${url}/readyz`).then(
            (r) => r.status,
            () => -1,
          ),
        { interval: 25, timeout: 4000 },
      )
      .toBe(503)

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
    expect(server.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    )
  })
})

describe('shutdown with connections that carry no request', () => {
  it("a never-used connection, one with half its headers and an idle keep-alive one do not hold SIGTERM: exit 0, not the deadline's 1", async () => {
    server = await startServerProcess({ METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: '5' })
    const never = await rawConnection(server.url)
    const half = await rawConnection(
      server.url,
      'POST /mypod/sync HTTP/1.1\r\nHost: hooks.test\r\nContent-Ty',
    )
    const idle = await rawConnection(server.url, rawRequest('GET', '/healthz', {}))
    expect((await idle.answered).status).toBe(200)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    await Promise.all([never.closed, half.closed, idle.closed])
    expect(server.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    )
  })

  it('METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS=0 waits for an in-flight request however long it takes', async () => {
    server = await startServerProcess({ METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: '0' })
    const connection = await rawConnection(
      server.url,
      rawRequest('POST', '/mypod/sync', {
        'Content-Type': 'application/json',
        'Content-Length': String(small.length),
      }),
    )
    // A round trip on another connection: by then the server has our headers (a request whose
    // headers have not arrived when SIGTERM does is not in flight, and is closed).
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    server.child.kill('SIGTERM')
    await expect.poll(() => server!.logs.some((l) => l.msg === 'shutting down')).toBe(true)
    await new Promise((r) => setTimeout(r, 500))
    connection.write(small)
    expect((await connection.answered).status).toBe(200)
    expect(await server.exited).toBe(0)
  })

  it.each(['2200000', '-1', '0.0001', 'soon'])(
    'METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS=%s stops the server at start, naming the range',
    async (value) => {
      await expect(
        startServerProcess({ METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: value }),
      ).rejects.toThrow(
        /METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS must be 0 \(no limit\) or a number of seconds from 0\.001 to 3600/,
      )
    },
  )
})

describe('SIGTERM to `npm start`', () => {
  it.each([
    { to: 'the npm process', kill: (pid: number) => process.kill(pid, 'SIGTERM') },
    { to: 'its process group', kill: (pid: number) => process.kill(-pid, 'SIGTERM') },
  ])(
    'sent to $to: the in-flight request completes, npm exits 0, no process is left',
    async ({ kill }) => {
      server = await startServerProcess({ METAHOOKS_SHUTDOWN_DELAY_SECONDS: '0.5' }, undefined, {
        npm: true,
      })
      const pid = server.child.pid!
      const connection = await rawConnection(
        server.url,
        rawRequest('POST', '/mypod/sync', {
          'Content-Type': 'application/json',
          'Content-Length': String(small.length),
        }),
      )
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      kill(pid)
      await expect
        .poll(() =>
          fetch(`${server!.url}/readyz`).then(
            (r) => r.status,
            () => -1,
          ),
        )
        .toBe(503)
      connection.write(small)
      const answer = await connection.answered
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body).children).toHaveLength(1)
      expect(await server.exited).toBe(0)
      // Nothing of the group is left: no orphaned server still answering.
      await expect.poll(() => groupAlive(pid)).toBe(false)
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    },
  )
})

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}
