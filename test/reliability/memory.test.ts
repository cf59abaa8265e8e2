import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_BYTES_IN_FLIGHT,
} from '../../hooks/core/http/config.ts'
import { startServerProcess, stopServerProcess, type ServerProcess } from '../fixtures/server.ts'
import { deployment, memoryOf, send, SHAPES, type Sent } from '../stress/memory.ts'

// The real server (`npm start`) with the defaults and the environment of the shipped Deployment,
// sent the largest legal bodies of the costliest shapes, alone and concurrently: what is admitted
// is answered, the rest gets 429 + Retry-After before its body is buffered, and peak resident
// memory stays under the Deployment's memory limit (an OOM kill would drop every call in flight).

const { limitMiB, env } = deployment()
const MAX = DEFAULT_MAX_BODY_BYTES - 4096
let server: ServerProcess
beforeAll(async () => {
  server = await startServerProcess(env)
})
afterAll(() => stopServerProcess(server))

const answers: Sent[] = []
const run = async (bodies: ReturnType<(typeof SHAPES)[string]>[]) => {
  const sent = await Promise.all(bodies.map((b) => send(server.url, b)))
  answers.push(...sent)
  return sent
}

describe(`memory under the Deployment's limit (${limitMiB} MiB)`, () => {
  it('the defaults fit the limit together', () => {
    expect(DEFAULT_MAX_BYTES_IN_FLIGHT).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES)
  })

  it('the largest body of the costliest shapes, one after another: each is answered', async () => {
    const sent = await run([SHAPES['empty-objects']!(MAX)])
    sent.push(...(await run([SHAPES['invalid-templates']!(MAX)])))
    sent.push(...(await run([SHAPES['observed-pods']!(MAX)])))
    expect(sent.map((s) => s.status)).toEqual([200, 422, 200])
    // The spec with millions of wrong templates names the first, instead of collecting an issue for each.
    expect(sent[1]!.body).toMatch(/^invalid parent spec: spec\.templates\[0\]\.name: /)
  })

  it('three of them at once: one is admitted, the others get 429 + Retry-After (bytes in flight)', async () => {
    // The first stays in flight (its headers, then part of its body) until the others are answered,
    // so the three overlap however slowly this machine runs. Should it stall past the grace, the
    // first is preempted for a newer one instead: still one admitted, two refused.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const first = send(server.url, SHAPES['empty-objects']!(MAX), held)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const others = await Promise.all([
      send(server.url, SHAPES['invalid-templates']!(MAX)),
      send(server.url, SHAPES['empty-arrays']!(MAX)),
    ])
    release()
    const sent = [await first, ...others]
    answers.push(...sent)
    const refused = sent.filter((s) => s.status === 429)
    expect(refused.length).toBe(2)
    for (const r of refused) {
      expect(r.retryAfter).toBe('1')
      expect(r.body).toMatch(/METAHOOKS_MAX_BYTES_IN_FLIGHT|arriving too slowly/)
    }
  })

  it('halves and quarters of the budget at once are all admitted', async () => {
    const half = await run([
      SHAPES['empty-objects']!(MAX / 2),
      SHAPES['invalid-templates']!(MAX / 2),
    ])
    expect(half.map((s) => s.status)).toEqual([200, 422])
    const quarter = await run([
      SHAPES['empty-objects']!(MAX / 4),
      SHAPES['invalid-templates']!(MAX / 4),
      SHAPES['empty-arrays']!(MAX / 4),
      SHAPES['empty-objects']!(MAX / 4),
    ])
    expect(quarter.map((s) => s.status)).toEqual([200, 422, 200, 200])
  })

  it('the costliest body again and again (garbage from the last must not pile up)', async () => {
    for (let i = 0; i < 3; i++)
      expect((await run([SHAPES['invalid-templates']!(MAX)]))[0]!.status).toBe(422)
  })

  it('peak resident memory over all of it stayed under the limit', () => {
    expect(answers.length).toBe(15)
    const { peakMiB } = memoryOf(server.child.pid!)
    expect(peakMiB).toBeLessThan(limitMiB)
  })
})
