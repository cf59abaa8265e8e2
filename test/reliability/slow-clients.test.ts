import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_BYTES_IN_FLIGHT } from '../../hooks/core/http/config.ts'
import { rawConnection, rawRequest, type RawConnection } from '../fixtures/raw.ts'
import {
  ROOT,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../fixtures/server.ts'

// Slow and idle clients against the real server (`npm start`): a body that trickles in gives up its
// slot and bytes to a newer request once it is older than the grace (1 s), and is answered 408 at
// the request deadline otherwise; connections that never send a request are closed at the same
// deadline. (The deadline is 2 s here, 10 s by default.)

const DEADLINE_SECONDS = 2
const valid = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)

let server: ServerProcess | undefined
const open: RawConnection[] = []
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy()
  await stopServerProcess(server)
  server = undefined
})

const post = (url: string) =>
  fetch(`${url}/mypod/sync`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: valid,
  })

describe('slow and idle clients', () => {
  it('64 bodies arriving at 2 bytes a second (as many as the concurrency limit) hold the server for at most the grace: valid calls then get 200, the slow ones 429 or 408', async () => {
    server = await startServerProcess({
      METAHOOKS_REQUEST_TIMEOUT_SECONDS: String(DEADLINE_SECONDS),
    })
    const { url } = server
    const head = rawRequest('POST', '/mypod/sync', {
      'Content-Type': 'application/json',
      'Content-Length': '3000',
    })
    for (let i = 0; i < 64; i++)
      open.push(await rawConnection(url, Buffer.concat([head, Buffer.from('{')])))
    const drip = setInterval(() => open.forEach((c) => c.write(' ')), 500)
    try {
      // Within the grace (1 s) every slot is theirs; after it, a valid call takes the slowest one's slot.
      await expect
        .poll(async () => (await post(url)).status, { timeout: 5000, interval: 100 })
        .toBe(200)
      for (let i = 0; i < 20; i++) {
        const res = await post(url)
        expect(res.status).toBe(200)
        expect((await res.json()).children).toHaveLength(1)
      }
      const answers = await Promise.all(open.map((c) => c.answered))
      const statuses = new Set(answers.map((a) => a.status))
      expect([...statuses].every((s) => s === 408 || s === 429)).toBe(true)
      expect(answers.find((a) => a.status === 408)!.body).toBe(
        `request body did not arrive within ${DEADLINE_SECONDS} s (METAHOOKS_REQUEST_TIMEOUT_SECONDS)`,
      )
      expect(answers.find((a) => a.status === 429)!.body).toBe(
        'request body arriving too slowly while the server is busy; try again later',
      )
    } finally {
      clearInterval(drip)
    }
    // Their slots and bytes are all back: the server serves on.
    expect((await post(url)).status).toBe(200)
    const slow = (l: Record<string, unknown>) =>
      l.msg === 'hook' &&
      (l.status === 408 || String(l.error).startsWith('request body arriving too slowly'))
    await expect.poll(() => server!.logs.filter(slow).length).toBe(64)
  })

  it('one upload declaring the whole byte budget and trickling holds it for at most the grace', async () => {
    server = await startServerProcess({
      METAHOOKS_REQUEST_TIMEOUT_SECONDS: String(DEADLINE_SECONDS),
    })
    const { url } = server
    const hog = await rawConnection(
      url,
      Buffer.concat([
        rawRequest('POST', '/mypod/sync', {
          'Content-Type': 'application/json',
          'Content-Length': String(DEFAULT_MAX_BYTES_IN_FLIGHT),
        }),
        Buffer.from('{'),
      ]),
    )
    open.push(hog)
    const drip = setInterval(() => hog.write(' '), 200)
    try {
      await expect
        .poll(async () => (await post(url)).status, { timeout: 5000, interval: 100 })
        .toBe(200)
      expect((await hog.answered).status).toBe(429)
    } finally {
      clearInterval(drip)
    }
  })

  it.each([
    { name: 'a connection that never sends a byte', initial: undefined },
    {
      name: 'a connection that sends half its headers',
      initial: 'POST /mypod/sync HTTP/1.1\r\nHost: hooks.test\r\nContent-Ty',
    },
    {
      name: 'a connection that stops after the headers of a request no hook reads',
      initial: rawRequest('POST', '/nope', { 'Content-Length': '10' }),
    },
  ])('$name is closed at the deadline', async ({ initial }) => {
    server = await startServerProcess({
      METAHOOKS_REQUEST_TIMEOUT_SECONDS: String(DEADLINE_SECONDS),
    })
    const connection = await rawConnection(server.url, initial)
    open.push(connection)
    // Closed by the server (the test's own timeout would end an open one).
    await connection.closed
    expect((await post(server.url)).status).toBe(200)
  })
})
