import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import { testApp } from '../fixtures/app.ts'
import { encodeBody, NEGOTIATION } from '../fixtures/negotiation.ts'
import { rawExchange, rawRequest } from '../fixtures/raw.ts'
import { ROOT } from '../fixtures/server.ts'

// Content negotiation on Node, in the app and over the wire (raw, so an empty or missing header
// is sent exactly so). test/workers/worker.test.ts runs the same table in workerd.

const request = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)
const expected = JSON.stringify(
  JSON.parse(readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.response.json`, 'utf8')),
)

let server: RunningServer
beforeAll(async () => {
  server = await startNodeServer({ host: '127.0.0.1', port: 0, env: {}, log: () => {} })
})
afterAll(() => server.shutdown('test done'))

describe('content negotiation (Node)', () => {
  it.each(NEGOTIATION)('$name → $status', async (c) => {
    const body = await encodeBody(request, c)
    const { app } = testApp()
    const inApp = await app.request('http://hooks.test/mypod/sync', {
      method: 'POST',
      headers: c.headers,
      body,
    })
    const overWire = await rawExchange(
      server.url,
      rawRequest('POST', '/mypod/sync', { ...c.headers, Connection: 'close' }, body),
    )
    expect([inApp.status, overWire.status]).toEqual([c.status, c.status])
    expect([await inApp.text(), overWire.body]).toEqual(Array(2).fill(c.body ?? expected))
  })
})
