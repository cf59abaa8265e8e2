import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../hooks/node.ts'
import {
  count,
  exchanges,
  FUZZ_MAX_BODY,
  judge,
  loadSeeds,
  send,
  startFuzzServer,
  tally,
  type Seed,
} from '../stress/harness.ts'

// A few thousand generated requests against the real Node server over loopback, across every
// controller (`npm run fuzz` runs 100,000+ of the same). Invariants: no 5xx, no 200 for anything
// invalid, 200s are deterministic, nothing leaks into Object.prototype, the server keeps serving.

const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 3000)
const MAX_BODY = FUZZ_MAX_BODY
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261123
    : undefined

let server: RunningServer
let seeds: Seed[]
/** The server's log lines for 5xx answers: their cause explains a failure. */
const serverErrors: Record<string, unknown>[] = []
beforeAll(async () => {
  seeds = await loadSeeds()
  server = await startFuzzServer(serverErrors)
})
afterAll(async () => {
  await server.shutdown('test done')
})

describe('fuzzing the HTTP layer and every controller', () => {
  it('seeds cover every controller in the registry', async () => {
    const { controllers } = await import('../../hooks/registry.ts')
    expect(new Set(seeds.map((s) => s.controller.name))).toEqual(
      new Set(controllers.map((c) => c.name)),
    )
  })

  it(`${RUNS} hostile requests: never a 5xx, never a 200 for invalid input, 200s byte-identical on repeat`, async () => {
    const t = tally()
    await fc.assert(
      fc.asyncProperty(exchanges(seeds), async (exchange) => {
        const answer = await send(server.url, exchange)
        count(t, exchange, answer.status)
        await new Promise((r) => setImmediate(r))
        expect(
          judge(exchange, answer, MAX_BODY),
          `${exchange.category} ${exchange.method} ${exchange.path}: ${JSON.stringify(serverErrors.at(-1) ?? {})}`,
        ).toEqual([])
        if (answer.status === 200) {
          const again = await send(server.url, exchange)
          expect(Buffer.from(again.body).equals(Buffer.from(answer.body))).toBe(true)
        }
      }),
      { numRuns: RUNS, seed },
    )
    // The generators must reach every category and both sides of the oracle.
    expect(Object.keys(t.byCategory).sort()).toEqual([
      'damaged',
      'deep',
      'duplicate-keys',
      'huge',
      'invalid-utf8',
      'protocol',
      'prototype-keys',
      'truncated',
    ])
    expect(t.byStatus['200']).toBeGreaterThan(RUNS / 20)
    expect(t.byStatus['400']).toBeGreaterThan(RUNS / 20)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
  })
})
