// HTTP benchmark: the toolkit's Node server against the floor (bare node:http), a server written
// like Metacontroller's Node example, and one written like its Python examples — same body, same
// load generator (autocannon), same concurrency, loopback only, bounded in time. Writes
// BENCHMARKS.md. Run with `npm run bench` (not part of `npm test`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import autocannon from 'autocannon'
import { compositeRequest } from '../hooks/core/testing/requests.ts'
import { runHook } from '../hooks/core/run.ts'
import mypod from '../hooks/mypod/index.ts'
import type { KObject } from '../hooks/core/contract/objects.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'metahooks-bench-'))
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const SIZES = (process.env.BENCH_SIZES ?? '1,10,100,1000,10000').split(',').map(Number)
const offline = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: join(scratch, 'xdg') }

const parent: KObject = {
  apiVersion: 'crd.example.com/v1',
  kind: 'MyPod',
  metadata: { name: 'mypod-test', namespace: 'default', uid: '6f1c1a4e-8a55-4a38-9d1c-2f1e7e0f0a01', generation: 1, resourceVersion: '4711', creationTimestamp: '2026-11-22T10:00:00Z' },
  spec: { uri: 'any uri', customCommand: 'custom command', image: 'nginx' },
}

function pod(i: number): KObject {
  const name = i === 0 ? 'mypod-test' : `mypod-test-extra-${i}`
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(5000 + i),
      labels: { 'app.kubernetes.io/name': 'mypod', 'controller-uid': '6f1c1a4e-8a55-4a38-9d1c-2f1e7e0f0a01' },
      ownerReferences: [{ apiVersion: 'crd.example.com/v1', kind: 'MyPod', name: 'mypod-test', uid: '6f1c1a4e-8a55-4a38-9d1c-2f1e7e0f0a01', controller: true }],
    },
    spec: { containers: [{ name: 'main', image: 'nginx', command: ['custom', 'command'], env: [{ name: 'URI', value: 'any uri' }], terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'Always' }], restartPolicy: 'Always', nodeName: 'node-1' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-22T10:00:05Z' }], podIP: '10.0.0.1', startTime: '2026-11-22T10:00:01Z' },
  }
}

const body = (children: number) => JSON.stringify(compositeRequest(mypod, { parent, observed: Array.from({ length: children }, (_, i) => pod(i)) }))

function freePort(): number {
  return 20000 + Math.floor(Math.random() * 20000)
}

async function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const port = freePort()
  const child = spawn(command, args, { cwd: ROOT, env: { ...offline, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const onData = (d: Buffer) => {
      out += String(d)
      if (/ready|listening|Ready on/.test(out)) resolve()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${out}`)))
    setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 30_000).unref()
  })
  // Drain its output so logging never blocks the server.
  child.stdout!.resume()
  child.stderr!.resume()
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

interface Result {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
}

async function load(url: string, payload: string, headers: Record<string, string> = {}, path = '/mypod/sync'): Promise<Result> {
  const run = (duration: number) =>
    autocannon({ url: `${url}${path}`, method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...headers }, connections: CONNECTIONS, duration, timeout: 30 })
  await run(1)
  const r = await run(DURATION)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts }
}

const servers = {
  toolkit: () => start('toolkit', process.execPath, ['--import', 'tsx', 'hooks/node.ts'], { METAHOOKS_MAX_CONCURRENCY: '0', METAHOOKS_BUILD_ID: 'bench' }),
  floor: (fixed: string) => start('floor', process.execPath, ['bench/servers/floor.mjs'], { FIXED_RESPONSE: fixed }),
  hono: (fixed: string) => start('hono', process.execPath, ['--import', 'tsx', 'bench/servers/hono.ts'], { FIXED_RESPONSE: fixed }),
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
say(`Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Python ${spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim().replace('Python ', '')}.`)
say(`Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per case after a 1 s warm-up, POST of a MyPod sync request on loopback; the load generator shares the machine with the server.`)
say('')
say('## Sync throughput and latency')
say('')
say('Children = observed Pods in the request (one is the MyPod\'s own Pod). Toolkit = `hooks/node.ts` as `npm start` runs it (validation, spec parsing, response check, ETag, one JSON log line per request). Floor = bare `node:http` that only parses the body and sends a fixed response of the same size. Naive = the same MyPod logic in a plain `node:http` server, as Metacontroller\'s Node example is written. Python = the same logic in `http.server`, as its Python examples are written.')
say('')
say('Hono = a bare hono app on @hono/node-server doing what the floor does: the framework\'s own cost, before any of the toolkit\'s work.')
say('')
say('| children | body | toolkit req/s | p50 / p99 ms | floor req/s | hono req/s | naive req/s | python req/s | toolkit / floor | hono / floor | toolkit / python | toolkit peak RSS |')
say('|---|---|---|---|---|---|---|---|---|---|---|---|')

const summary: Record<number, { toolkit: Result; floor: Result; hono: Result; naive: Result; python: Result }> = {}
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
      results[name] = await load(server.url, payload)
      if (name === 'toolkit') rss = peakRssMiB(server.child)
    } finally {
      stop(server.child)
    }
  }
  const r = results as Record<keyof typeof servers, Result>
  summary[children] = r
  say(`| ${children} | ${f(payload.length / 1024)} KiB | ${f(r.toolkit.rps)} | ${r.toolkit.p50} / ${r.toolkit.p99} | ${f(r.floor.rps)} | ${f(r.hono.rps)} | ${f(r.naive.rps)} | ${f(r.python.rps)} | ${f(r.toolkit.rps / r.floor.rps, 2)} | ${f(r.hono.rps / r.floor.rps, 2)} | ${f(r.toolkit.rps / r.python.rps, 2)} | ${rss ?? '?'} MiB |`)
  for (const [name, res] of Object.entries(r)) if (res.non2xx || res.errors) say(`  (${name}: ${res.non2xx} non-2xx, ${res.errors} errors)`)
}

say('')
say('## Cost per child')
say('')
say('The server is one Node thread kept saturated, so 1 / (req/s) is the CPU time of one request.')
say('')
say('| children | toolkit ms per request | µs per child | floor µs per child | toolkit / floor per child |')
say('|---|---|---|---|---|')
for (const children of SIZES) {
  const ms = 1000 / summary[children]!.toolkit.rps
  const floorMs = 1000 / summary[children]!.floor.rps
  say(`| ${children} | ${f(ms, 2)} | ${f((ms * 1000) / children, 1)} | ${f((floorMs * 1000) / children, 1)} | ${f(ms / floorMs, 2)} |`)
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
    const first = await fetch(`${server.url}/mypod/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload })
    const etag = first.headers.get('etag')!
    const full = await load(server.url, payload)
    const cached = await load(server.url, payload, { 'if-none-match': etag })
    etagRatio = cached.rps / full.rps
    say(`1,000 children: full sync ${f(full.rps)} req/s (p50 ${full.p50} ms), 304 ${f(cached.rps)} req/s (p50 ${cached.p50} ms): the 304 path is ${f(etagRatio, 2)}× the throughput.`)
  } finally {
    stop(server.child)
  }
}

say('')
say('## Cloudflare Workers')
say('')
{
  const outdir = join(scratch, 'worker')
  const built = spawnSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--minify', '--outdir', outdir], { cwd: ROOT, env: offline, encoding: 'utf8' })
  if (built.status !== 0) say(`bundle failed: ${built.stderr.split('\n')[0]}`)
  else {
    const bundle = readFileSync(join(outdir, 'worker.js'))
    bundleGzKiB = gzipSync(bundle, { level: 9 }).length / 1024
    say(`Whole app bundle (\`wrangler deploy --dry-run --minify\`): ${f(statSync(join(outdir, 'worker.js')).size / 1024)} KiB, ${f(gzipSync(bundle, { level: 9 }).length / 1024, 1)} KiB gzipped.`)
  }
  const payload = body(10)
  const devPort = freePort()
  const dev = await start('wrangler dev', join(ROOT, 'node_modules/.bin/wrangler'), ['dev', '--ip', '127.0.0.1', '--port', String(devPort), '--inspector-port', '0', '--show-interactive-dev-session=false', '--persist-to', join(scratch, 'state'), '--var', 'METAHOOKS_ALLOW_UNAUTHENTICATED:true'])
  const node = await servers.toolkit()
  try {
    const workers = await load(`http://127.0.0.1:${devPort}`, payload)
    const nodeResult = await load(node.url, payload)
    say(`\`wrangler dev\` (workerd behind wrangler's proxy, dev mode): ${f(workers.rps)} req/s at 10 children against ${f(nodeResult.rps)} req/s for the Node server — ${f(workers.rps / nodeResult.rps, 2)}× (a relative figure for local development, not production Workers).`)
  } finally {
    stop(dev.child)
    stop(node.child)
  }
}

say('')
say('## Workflow engine')
say('')
const wf = spawnSync(process.execPath, ['--import', 'tsx', 'bench/workflow.ts'], { cwd: ROOT, encoding: 'utf8' })
say('```')
for (const line of wf.stdout.trim().split('\n')) say(line)
say('```')

say('')
say('## Against the targets')
say('')
{
  const ratio = (n: number, key: 'floor' | 'python') => (summary[n] ? summary[n]!.toolkit.rps / summary[n]![key].rps : NaN)
  const perChild = (n: number) => (summary[n] ? 1000 / summary[n]!.toolkit.rps / n : NaN)
  const rows: [string, string, boolean][] = [
    ['toolkit ≥ 80% of the floor at 1 child', f(ratio(1, 'floor'), 2), ratio(1, 'floor') >= 0.8],
    ['toolkit ≥ 85% of the floor at 100 children', f(ratio(100, 'floor'), 2), ratio(100, 'floor') >= 0.85],
    ['toolkit ≥ 75% of the floor at 10,000 children', f(ratio(10000, 'floor'), 2), ratio(10000, 'floor') >= 0.75],
    ['≥ 3× the Python example at 1 child', f(ratio(1, 'python'), 2), ratio(1, 'python') >= 3],
    ['≥ 2× the Python example at 100 children', f(ratio(100, 'python'), 2), ratio(100, 'python') >= 2],
    ['cost per child flat within 1.5× from 10 to 10,000', f(Math.max(perChild(10), perChild(10000)) / Math.min(perChild(10), perChild(10000)), 2), Math.max(perChild(10), perChild(10000)) / Math.min(perChild(10), perChild(10000)) <= 1.5],
    ['304 ≥ 3× a full sync at 1,000 children', f(etagRatio, 2), etagRatio >= 3],
    ['Workers bundle ≤ 150 KB gzipped', `${f(bundleGzKiB, 1)} KiB`, bundleGzKiB > 0 && bundleGzKiB <= 150],
  ]
  say('| target | measured | met |')
  say('|---|---|---|')
  for (const [target, measured, met] of rows) say(`| ${target} | ${measured} | ${met ? 'yes' : '**no**'} |`)
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
