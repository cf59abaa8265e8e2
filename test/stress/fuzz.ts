// `npm run fuzz`: 100,000+ generated requests (FUZZ_RUNS) against the real Node server on loopback,
// across every controller, with the same generators and oracle as `npm test`'s fuzz test, plus a
// memory check: the heap after the run, collected, must be back within 10% of its level after a
// warm-up. Stops by itself; exit 1 on the first broken invariant (with the seed to replay it).
import fc from 'fast-check'
import {
  count,
  exchanges,
  FUZZ_MAX_BODY,
  judge,
  loadSeeds,
  send,
  startFuzzServer,
  tally,
} from './harness.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000)
const WARMUP = Math.min(2000, Math.floor(RUNS / 10))
const MAX_BODY = FUZZ_MAX_BODY
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) {
  console.error('run with node --expose-gc (npm run fuzz does)')
  process.exit(2)
}
const heapMiB = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const serverErrors: Record<string, unknown>[] = []
const server = await startFuzzServer(serverErrors)
const seeds = await loadSeeds()
const t = tally()
let baseline = 0
const started = Date.now()

async function one(exchange: Parameters<typeof send>[1]): Promise<void> {
  const answer = await send(server.url, exchange)
  count(t, exchange, answer.status)
  await new Promise((r) => setImmediate(r))
  const problems = judge(exchange, answer, MAX_BODY)
  if (problems.length)
    throw new Error(
      `${problems.join('; ')}\nserver log: ${JSON.stringify(serverErrors.at(-1) ?? {})}`,
    )
  if (answer.status === 200) {
    const again = await send(server.url, exchange)
    if (!Buffer.from(again.body).equals(Buffer.from(answer.body)))
      throw new Error('the same request answered different bytes')
  }
  if (t.runs === WARMUP) baseline = heapMiB()
  if (t.runs % 10_000 === 0)
    console.log(
      `${t.runs} requests, ${Math.round((Date.now() - started) / 1000)} s, heap ${heapMiB().toFixed(1)} MiB`,
    )
}

console.log(
  `fuzzing ${RUNS} requests over ${seeds.length} seed requests from ${new Set(seeds.map((s) => s.controller.name)).size} controllers (seed ${seed})`,
)
let failed = false
try {
  // FC_PATH (printed with a failure) replays exactly the failing case.
  await fc.assert(fc.asyncProperty(exchanges(seeds), one), {
    numRuns: RUNS,
    seed,
    endOnFailure: true,
    ...(process.env.FC_PATH && { path: process.env.FC_PATH }),
  })
} catch (error) {
  failed = true
  console.error((error as Error).message)
  const cause = (error as Error).cause
  if (cause) console.error(`\ncause: ${cause instanceof Error ? cause.message : String(cause)}`)
}
await server.shutdown('fuzz done')
const after = heapMiB()
const polluted = ({} as Record<string, unknown>).polluted !== undefined

console.log(`\n${t.runs} requests in ${Math.round((Date.now() - started) / 1000)} s (seed ${seed})`)
console.log(`by category: ${JSON.stringify(t.byCategory)}`)
console.log(`by status:   ${JSON.stringify(t.byStatus)}`)
console.log(
  `heap after warm-up ${baseline.toFixed(1)} MiB, after the run ${after.toFixed(1)} MiB (${(((after - baseline) / baseline) * 100).toFixed(1)}%)`,
)
const leaked = after > baseline * 1.1 + 1
if (leaked) console.error('heap did not return to its baseline (more than 10% above it)')
if (polluted) console.error('Object.prototype was polluted')
process.exit(failed || leaked || polluted ? 1 : 0)
