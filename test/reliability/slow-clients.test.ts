import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { rawConnection, rawRequest, type RawConnection } from '../fixtures/raw.ts'
import { ROOT, startServerProcess, stopServerProcess, type ServerProcess } from '../fixtures/server.ts'

// Slow and idle clients against the real server (`npm start`): a body that trickles in holds no
// slot of the concurrency limit and is answered 408 at the request deadline; connections that never
// send a request are closed at the same deadline. (The deadline is 2 s here, 10 s by default.)

const DEADLINE_SECONDS = 2
const valid = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)

let server: ServerProcess | undefined
const open: RawConnection[] = []
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy()
  await stopServerProcess(server)
  server = undefined
})

const post = (url: string) => fetch(`${url}/mypod/sync`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: valid })

describe('slow and idle clients', () => {
  it('64 bodies arriving at 2 bytes a second (as many as the concurrency limit) never lock valid callers out, and get 408 at the deadline', async () => {
    server = await startServerProcess({ METAHOOKS_REQUEST_TIMEOUT_SECONDS: String(DEADLINE_SECONDS) })
    const { url } = server
    const head = rawRequest('POST', '/mypod/sync', { 'Content-Type': 'application/json', 'Content-Length': '3000' })
    for (let i = 0; i < 64; i++) open.push(await rawConnection(url, Buffer.concat([head, Buffer.from('{')])))
    const drip = setInterval(() => open.forEach((c) => c.write(' ')), 500)
    try {
      // Valid calls while all 64 uploads are still going: each is answered 200 at once.
      for (let i = 0; i < 20; i++) {
        const res = await post(url)
        expect(res.status).toBe(200)
        expect((await res.json()).children).toHaveLength(1)
      }
      expect(open.every((c) => !c.socket.destroyed)).toBe(true)
      const answers = await Promise.all(open.map((c) => c.answered))
      expect(answers.map((a) => a.status)).toEqual(Array(64).fill(408))
      expect(answers[0]!.body).toBe(`request body did not arrive within ${DEADLINE_SECONDS} s (METAHOOKS_REQUEST_TIMEOUT_SECONDS)`)
    } finally {
      clearInterval(drip)
    }
    // Their slots were never taken and their budget is released: the server serves on.
    expect((await post(url)).status).toBe(200)
    await expect.poll(() => server!.logs.filter((l) => l.msg === 'hook' && l.status === 408).length).toBe(64)
  })

  it.each([
    { name: 'a connection that never sends a byte', initial: undefined },
    { name: 'a connection that sends half its headers', initial: 'POST /mypod/sync HTTP/1.1\r\nHost: hooks.test\r\nContent-Ty' },
    { name: 'a connection that stops after the headers of a request no hook reads', initial: rawRequest('POST', '/nope', { 'Content-Length': '10' }) },
  ])('$name is closed at the deadline', async ({ initial }) => {
    server = await startServerProcess({ METAHOOKS_REQUEST_TIMEOUT_SECONDS: String(DEADLINE_SECONDS) })
    const connection = await rawConnection(server.url, initial)
    open.push(connection)
    // Closed by the server (the test's own timeout would end an open one).
    await connection.closed
    expect((await post(server.url)).status).toBe(200)
  })
})
