// HTTP benchmark: the toolkit's Node server against the floor (bare node:http), a server written
// like Metacontroller's Node example, and one written like its Python examples — same body, same
// load generator (autocannon), same concurrency, loopback only, bounded in time. Writes
// BENCHMARKS.md. Run with `npm run bench` (not part of `npm test`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import autocannon from 'autocannon'
import { compositeRequest } from '../hooks/core/testing/requests.ts'
import { runHook } from '../hooks/core/run.ts'
import mypod from '../hooks/mypod/index.ts'
import { myPodParent, observedPod } from '../test/fixtures/mypod.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'metahooks-bench-'))
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const SIZES = (process.env.BENCH_SIZES ?? '1,10,100,1000,10000').split(',').map(Number)
const offline = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: join(scratch, 'xdg'),
}

// The study notes' mypod-test with its running Pod, plus more Pods it does not own by name.
const pod = (i: number) =>
  observedPod(i === 0 ? 'mypod-test' : `mypod-test-extra-${i}`, { phase: 'Running', ready: true })
const body = (children: number) =>
  JSON.stringify(
    compositeRequest(mypod, {
      parent: myPodParent(),
      observed: Array.from({ length: children }, (_, i) => pod(i)),
    }),
  )

/** A port the kernel just handed out and released: free unless something races us for it. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts a server with its output in a file, as a container runtime would take it: a pipe read by
 * this process (which also drives the load) would stall the server's synchronous stdout writes.
 */
async function start(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort()
  const logFile = join(scratch, `${name.replace(/\W/g, '-')}-${port}.log`)
  const fd = openSync(logFile, 'w')
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...offline, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
    detached: true,
  })
  closeSync(fd)
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  const deadline = Date.now() + 30_000
  for (;;) {
    const out = readFileSync(logFile, 'utf8')
    if (/ready|listening|Ready on/.test(out)) break
    if (exited !== undefined) throw new Error(`${name} exited ${exited}: ${out}`)
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${out}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url: `http://127.0.0.1:${port}`, child }
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // gone
  }
}

function peakRssMiB(child: ChildProcess): number | undefined {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1])
    return Math.round(kb / 1024)
  } catch {
    return undefined
  }
}

/** CPU time (user + system) the process has used so far, in µs; undefined off Linux. */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return (ticks * 1e6) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
const CLOCK_TICKS =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

interface Result {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  /** Server CPU time per request (µs): what the server costs, whatever share of the cores the load generator takes. */
  cpu: number
}

async function load(
  url: string,
  payload: string,
  headers: Record<string, string> = {},
  path = '/mypod/sync',
  pid?: number,
): Promise<Result> {
  const run = (duration: number) =>
    autocannon({
      url: `${url}${path}`,
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', ...headers },
      connections: CONNECTIONS,
      duration,
      timeout: 30,
    })
  await run(1)
  const before = cpuMicros(pid)
  const r = await run(DURATION)
  const after = cpuMicros(pid)
  const cpu =
    before !== undefined && after !== undefined && r.requests.total > 0
      ? (after - before) / r.requests.total
      : NaN
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpu,
  }
}

const servers = {
  toolkit: () =>
    start('toolkit', process.execPath, ['--import', 'tsx', 'hooks/node.ts'], {
      METAHOOKS_MAX_CONCURRENCY: '0',
      METAHOOKS_MAX_BYTES_IN_FLIGHT: '0',
      METAHOOKS_BUILD_ID: 'bench',
    }),
  floor: (fixed: string) =>
    start('floor', process.execPath, ['bench/servers/floor.mjs'], { FIXED_RESPONSE: fixed }),
  hono: (fixed: string) =>
    start('hono', process.execPath, ['--import', 'tsx', 'bench/servers/hono.ts'], {
      FIXED_RESPONSE: fixed,
    }),
  naive: () => start('naive', process.execPath, ['--import', 'tsx', 'bench/servers/naive.ts']),
  python: () => start('python', 'python3', ['bench/servers/mypod.py']),
}

const lines: string[] = []
const say = (line = '') => {
  console.log(line)
  lines.push(line)
}
const f = (n: number, d = 0) => n.toFixed(d)

say('# Benchmarks')
say()
say(
  `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Python ${spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim().replace('Python ', '')}.`,
)
say(
  `Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per case after a 1 s warm-up, POST of a MyPod sync request on loopback; the load generator shares the machine with the server.`,
)
say('')
say('## Sync throughput and latency')
say('')
say(
  "Children = observed Pods in the request (one is the MyPod's own Pod). Toolkit = `hooks/node.ts` as `npm start` runs it (validation, spec parsing, response check, ETag, one JSON log line per request). Floor = bare `node:http` that only parses the body and sends a fixed response of the same size. Naive = the same MyPod logic in a plain `node:http` server, as Metacontroller's Node example is written. Python = the same logic in `http.server`, as its Python examples are written.",
)
say('')
say(
  "Hono = a bare hono app on @hono/node-server doing what the floor does: the framework's own cost, before any of the toolkit's work.",
)
say('')
say(
  '| children | body | toolkit req/s | p50 / p99 ms | floor req/s | hono req/s | naive req/s | python req/s | toolkit / floor | hono / floor | toolkit / python | toolkit peak RSS |',
)
say('|---|---|---|---|---|---|---|---|---|---|---|---|')

const summary: Record<
  number,
  { toolkit: Result; floor: Result; hono: Result; naive: Result; python: Result }
> = {}
for (const children of SIZES) {
  const payload = body(children)
  const outcome = await runHook(mypod, 'sync', JSON.parse(payload))
  if (!outcome.ok) throw new Error(outcome.message)
  const fixed = join(scratch, `response-${children}.json`)
  writeFileSync(fixed, outcome.body)
  const results: Partial<Record<keyof typeof servers, Result>> = {}
  let rss: number | undefined
  for (const name of ['toolkit', 'floor', 'hono', 'naive', 'python'] as const) {
    const server = await servers[name](fixed)
    try {
      results[name] = await load(server.url, payload, {}, '/mypod/sync', server.child.pid)
      if (name === 'toolkit') rss = peakRssMiB(server.child)
    } finally {
      stop(server.child)
    }
  }
  const r = results as Record<keyof typeof servers, Result>
  summary[children] = r
  say(
    `| ${children} | ${f(payload.length / 1024)} KiB | ${f(r.toolkit.rps)} | ${r.toolkit.p50} / ${r.toolkit.p99} | ${f(r.floor.rps)} | ${f(r.hono.rps)} | ${f(r.naive.rps)} | ${f(r.python.rps)} | ${f(r.toolkit.rps / r.floor.rps, 2)} | ${f(r.hono.rps / r.floor.rps, 2)} | ${f(r.toolkit.rps / r.python.rps, 2)} | ${rss ?? '?'} MiB |`,
  )
  for (const [name, res] of Object.entries(r))
    if (res.non2xx || res.errors) say(`  (${name}: ${res.non2xx} non-2xx, ${res.errors} errors)`)
}

say('')
say('## Server CPU per request')
say('')
say(
  "CPU time (user + system, from /proc) the server process spent per request during the run. On this box the load generator takes most of one core, so req/s above mixes the server's cost with its share of the CPU; CPU per request is the server's cost alone, and the ratios below (the other server's CPU per request over the toolkit's: the throughput each would reach on a dedicated core, relative to the toolkit) are the fair comparison.",
)
say('')
say(
  '| children | toolkit µs | floor µs | hono µs | naive µs | python µs | toolkit vs floor | hono vs floor | toolkit vs python | floor vs python |',
)
say('|---|---|---|---|---|---|---|---|---|---|')
const cpuRatio = (
  n: number,
  a: keyof (typeof summary)[number],
  b: keyof (typeof summary)[number],
) => (summary[n] ? summary[n]![b].cpu / summary[n]![a].cpu : NaN)
for (const children of SIZES) {
  const r = summary[children]!
  say(
    `| ${children} | ${f(r.toolkit.cpu)} | ${f(r.floor.cpu)} | ${f(r.hono.cpu)} | ${f(r.naive.cpu)} | ${f(r.python.cpu)} | ${f(cpuRatio(children, 'toolkit', 'floor'), 2)} | ${f(cpuRatio(children, 'hono', 'floor'), 2)} | ${f(cpuRatio(children, 'toolkit', 'python'), 2)} | ${f(cpuRatio(children, 'floor', 'python'), 2)} |`,
  )
}

say('')
say('## Cost per child')
say('')
say(
  "Total = CPU per request / children (what the issue's flatness target divides); marginal = (CPU at N − CPU at 1) / (N − 1), the cost one more child adds once the fixed per-request cost is set aside.",
)
say('')
say(
  '| children | toolkit total µs/child | toolkit marginal µs/child | floor total µs/child | floor marginal µs/child |',
)
say('|---|---|---|---|---|')
const perChild = (n: number, key: 'toolkit' | 'floor') =>
  summary[n] ? summary[n]![key].cpu / n : NaN
const marginal = (n: number, key: 'toolkit' | 'floor') =>
  summary[n] && summary[1] && n > 1 ? (summary[n]![key].cpu - summary[1]![key].cpu) / (n - 1) : NaN
for (const children of SIZES) {
  say(
    `| ${children} | ${f(perChild(children, 'toolkit'), 1)} | ${children > 1 ? f(marginal(children, 'toolkit'), 1) : '–'} | ${f(perChild(children, 'floor'), 1)} | ${children > 1 ? f(marginal(children, 'floor'), 1) : '–'} |`,
  )
}

let etagRatio = 0
let bundleGzKiB = 0
say('')
say('## ETag: an identical request with If-None-Match')
say('')
{
  const payload = body(1000)
  const server = await servers.toolkit()
  try {
    const first = await fetch(`${server.url}/mypod/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    })
    const etag = first.headers.get('etag')!
    const full = await load(server.url, payload, {}, '/mypod/sync', server.child.pid)
    const cached = await load(
      server.url,
      payload,
      { 'if-none-match': etag },
      '/mypod/sync',
      server.child.pid,
    )
    etagRatio = full.cpu / cached.cpu
    say(
      `1,000 children: full sync ${f(full.rps)} req/s (p50 ${full.p50} ms, ${f(full.cpu)} µs CPU), 304 ${f(cached.rps)} req/s (p50 ${cached.p50} ms, ${f(cached.cpu)} µs CPU): the 304 path costs ${f(etagRatio, 2)}× less CPU (${f(cached.rps / full.rps, 2)}× the throughput).`,
    )
  } finally {
    stop(server.child)
  }
}

say('')
say('## Cloudflare Workers')
say('')
{
  const outdir = join(scratch, 'worker')
  const built = spawnSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--minify', '--outdir', outdir],
    { cwd: ROOT, env: offline, encoding: 'utf8' },
  )
  if (built.status !== 0) say(`bundle failed: ${built.stderr.split('\n')[0]}`)
  else {
    const bundle = readFileSync(join(outdir, 'worker.js'))
    bundleGzKiB = gzipSync(bundle, { level: 9 }).length / 1024
    say(
      `Whole app bundle (\`wrangler deploy --dry-run --minify\`): ${f(statSync(join(outdir, 'worker.js')).size / 1024)} KiB, ${f(gzipSync(bundle, { level: 9 }).length / 1024, 1)} KiB gzipped.`,
    )
  }
  const payload = body(10)
  const devPort = await freePort()
  const dev = await start('wrangler dev', join(ROOT, 'node_modules/.bin/wrangler'), [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(devPort),
    '--inspector-port',
    '0',
    '--show-interactive-dev-session=false',
    '--persist-to',
    join(scratch, 'state'),
    '--var',
    'METAHOOKS_ALLOW_UNAUTHENTICATED:true',
  ])
  const node = await servers.toolkit()
  try {
    const workers = await load(`http://127.0.0.1:${devPort}`, payload)
    const nodeResult = await load(node.url, payload)
    say(
      `\`wrangler dev\` (workerd behind wrangler's proxy, dev mode): ${f(workers.rps)} req/s at 10 children against ${f(nodeResult.rps)} req/s for the Node server — ${f(workers.rps / nodeResult.rps, 2)}× (a relative figure for local development, not production Workers).`,
    )
  } finally {
    stop(dev.child)
    stop(node.child)
  }
}

say('')
say('## Workflow engine')
say('')
const wf = spawnSync(process.execPath, ['--import', 'tsx', 'bench/workflow.ts'], {
  cwd: ROOT,
  encoding: 'utf8',
})
say('```')
for (const line of wf.stdout.trim().split('\n')) say(line)
say('```')

say('')
say('## Against the targets')
say('')
{
  const spread = (values: number[]) => Math.max(...values) / Math.min(...values)
  const flatTotal = spread([perChild(10, 'toolkit'), perChild(10000, 'toolkit')])
  const flatMarginal = spread([marginal(10, 'toolkit'), marginal(10000, 'toolkit')])
  const rows: [string, string, string, boolean][] = [
    [
      'toolkit ≥ 0.80 of the floor at 1 child',
      f(cpuRatio(1, 'toolkit', 'floor'), 2),
      `bare hono ${f(cpuRatio(1, 'hono', 'floor'), 2)}`,
      cpuRatio(1, 'toolkit', 'floor') >= 0.8,
    ],
    [
      'toolkit ≥ 0.85 of the floor at 100 children',
      f(cpuRatio(100, 'toolkit', 'floor'), 2),
      `bare hono ${f(cpuRatio(100, 'hono', 'floor'), 2)}`,
      cpuRatio(100, 'toolkit', 'floor') >= 0.85,
    ],
    [
      'toolkit ≥ 0.75 of the floor at 10,000 children',
      f(cpuRatio(10000, 'toolkit', 'floor'), 2),
      `bare hono ${f(cpuRatio(10000, 'hono', 'floor'), 2)}`,
      cpuRatio(10000, 'toolkit', 'floor') >= 0.75,
    ],
    [
      '≥ 3× the Python example at 1 child',
      f(cpuRatio(1, 'toolkit', 'python'), 2),
      `floor ${f(cpuRatio(1, 'floor', 'python'), 2)}`,
      cpuRatio(1, 'toolkit', 'python') >= 3,
    ],
    [
      '≥ 2× the Python example at 100 children',
      f(cpuRatio(100, 'toolkit', 'python'), 2),
      `floor ${f(cpuRatio(100, 'floor', 'python'), 2)}`,
      cpuRatio(100, 'toolkit', 'python') >= 2,
    ],
    [
      'cost per child flat within 1.5× from 10 to 10,000 (total / N)',
      f(flatTotal, 2),
      `floor ${f(spread([perChild(10, 'floor'), perChild(10000, 'floor')]), 2)}`,
      flatTotal <= 1.5,
    ],
    [
      'cost per child flat within 1.5× from 10 to 10,000 (marginal)',
      f(flatMarginal, 2),
      `floor ${f(spread([marginal(10, 'floor'), marginal(10000, 'floor')]), 2)}`,
      flatMarginal <= 1.5,
    ],
    ['304 ≥ 3× a full sync at 1,000 children', f(etagRatio, 2), '', etagRatio >= 3],
    [
      'Workers bundle ≤ 150 KB gzipped',
      `${f(bundleGzKiB, 1)} KiB`,
      '',
      bundleGzKiB > 0 && bundleGzKiB <= 150,
    ],
  ]
  say(
    'Ratios from server CPU per request. "Best possible" is what a server doing none of the toolkit\'s work reaches on the same metric: the bound a target can be judged against.',
  )
  say('')
  say('| target | measured | best possible | met |')
  say('|---|---|---|---|')
  for (const [target, measured, bound, met] of rows)
    say(`| ${target} | ${measured} | ${bound} | ${met ? 'yes' : '**no**'} |`)
  say('')
  say(
    'How the figures are measured, what profiling fixed (before → after), and the argument for the targets not met: [docs/performance.md](docs/performance.md).',
  )
}

say('')
say('## Commands')
say('')
say('```sh')
say('npm run bench                       # everything above, rewrites BENCHMARKS.md')
say('BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_SIZES=1,100 npm run bench')
say('```')

writeFileSync(join(ROOT, 'BENCHMARKS.md'), `${lines.join('\n')}\n`)
rmSync(scratch, { recursive: true, force: true })
