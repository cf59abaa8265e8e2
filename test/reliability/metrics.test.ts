import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import { ROOT } from '../fixtures/server.ts'

// GET /metrics on the real Node server: Prometheus text from prom-client, behind the hooks' auth.

const request = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)
const TOKEN = 'metrics-test-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const json = { 'content-type': 'application/json' }

/** A sample's value from Prometheus text (labels in the order prom-client writes them), or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

const servers: RunningServer[] = []
async function start(env: Record<string, string | undefined>): Promise<RunningServer> {
  const server = await startNodeServer({ host: '127.0.0.1', port: 0, env, log: () => {} })
  servers.push(server)
  return server
}
afterAll(() => Promise.all(servers.map((s) => s.shutdown('test done'))))

describe('GET /metrics', () => {
  it.each([
    {
      name: 'a token is configured',
      reason: "metrics name the controllers: the hooks' credentials guard them",
      env: { METAHOOKS_AUTH_TOKEN: TOKEN },
      headers: {},
      status: 401,
    },
    {
      name: 'a token is configured and sent',
      reason: 'same credentials as a hook call',
      env: { METAHOOKS_AUTH_TOKEN: TOKEN },
      headers: auth,
      status: 200,
    },
    {
      name: 'METAHOOKS_METRICS_OPEN=true',
      reason: 'a scraper without the token',
      env: { METAHOOKS_AUTH_TOKEN: TOKEN, METAHOOKS_METRICS_OPEN: 'true' },
      headers: {},
      status: 200,
    },
    {
      name: 'no credentials are configured',
      reason: 'Node then serves everything openly',
      env: {},
      headers: {},
      status: 200,
    },
  ])('$name → $status ($reason)', async ({ env, headers, status }) => {
    const server = await start(env)
    const response = await fetch(`${server.url}/metrics`, { headers })
    expect(response.status).toBe(status)
    if (status === 200)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  })

  it('a bad METAHOOKS_METRICS_OPEN stops the server at start, naming it', async () => {
    await expect(start({ METAHOOKS_METRICS_OPEN: 'yes' })).rejects.toThrow(
      'METAHOOKS_METRICS_OPEN must be true or false, got "yes"',
    )
  })

  describe('after calls of every kind', () => {
    let text = ''
    beforeAll(async () => {
      const server = await start({
        METAHOOKS_AUTH_TOKEN: TOKEN,
        METAHOOKS_MAX_BODY_BYTES: String(request.length + 10),
      })
      const post = (path: string, headers: Record<string, string>, body: BodyInit) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { ...json, ...headers }, body })
      const ok = await post('/mypod/sync', auth, request)
      expect(ok.status).toBe(200)
      expect(
        (await post('/mypod/sync', { ...auth, 'if-none-match': ok.headers.get('etag')! }, request))
          .status,
      ).toBe(304)
      expect((await post('/mypod/sync', auth, '{}')).status).toBe(400)
      expect((await post('/mypod/sync', {}, request)).status).toBe(401)
      expect((await post('/mypod/sync', auth, 'x'.repeat(request.length + 11))).status).toBe(413)
      text = await (await fetch(`${server.url}/metrics`, { headers: auth })).text()
    })

    it.each([
      ['metahooks_hook_requests_total', 'controller="mypod",hook="sync",status="200"', 1],
      ['metahooks_hook_requests_total', 'controller="mypod",hook="sync",status="304"', 1],
      ['metahooks_hook_requests_total', 'controller="mypod",hook="sync",status="400"', 1],
      ['metahooks_hook_requests_total', 'controller="mypod",hook="sync",status="413"', 1],
      ['metahooks_etag_hits_total', 'controller="mypod",hook="sync"', 1],
      ['metahooks_hook_duration_seconds_count', 'controller="mypod",hook="sync"', 4],
      ['metahooks_hook_observed_children_sum', 'controller="mypod",hook="sync"', 1],
      ['metahooks_hook_desired_children_sum', 'controller="mypod",hook="sync"', 1],
      ['metahooks_requests_refused_total', 'status="401"', 1],
      ['metahooks_requests_refused_total', 'status="413"', 1],
      ['metahooks_requests_in_flight', '', 0],
    ])('%s{%s} = %d', (name, labels, value) => {
      expect(sample(text, name, labels)).toBe(value)
    })

    it('the process metrics are there too (CPU, memory, event loop)', () => {
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ])
        expect(sample(text, name), name).toBeGreaterThanOrEqual(0)
    })
  })
})
