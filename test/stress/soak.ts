// `npm run soak`: the real server process (`npm start`) under sustained load on loopback, then
// overloaded past METAHOOKS_MAX_CONCURRENCY. Bounded (SOAK_SECONDS, default 300) and stops by itself.
//   1. soak: valid requests for every controller over many connections — zero non-200, p99 recorded,
//      RSS sampled; growth from the end of the warm-up to the end must stay under 10%
//   2. overload: 1,000-child requests from 64 connections against METAHOOKS_MAX_CONCURRENCY=4 — the
//      excess gets 429 with Retry-After, nothing times out or errors
// Exit 1 when a check fails.
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import { ROOT } from '../fixtures/server.ts'
import { myPodParent, observedPod, NOTES_POD } from '../fixtures/mypod.ts'
import { loadSeeds } from './harness.ts'
import { load } from './load.ts'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 32)
const WARMUP_SECONDS = Math.min(30, Math.max(5, Math.floor(SECONDS / 10)))
const scratch = mkdtempSync(join(tmpdir(), 'metahooks-soak-'))

async function startServer(
  env: Record<string, string>,
): Promise<{ url: string; pid: number; stop: () => void }> {
  const logFile = join(scratch, `server-${Date.now()}.log`)
  const fd = openSync(logFile, 'w')
  const child = spawn(process.execPath, ['--import', 'tsx', 'hooks/node.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  const deadline = Date.now() + 30_000
  for (;;) {
    const listening = readFileSync(logFile, 'utf8').match(/"msg":"listening","url":"([^"]+)"/)
    if (listening) return { url: listening[1]!, pid: child.pid!, stop: () => child.kill('SIGKILL') }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`server did not start: ${readFileSync(logFile, 'utf8').slice(0, 500)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function rssMiB(pid: number): number {
  const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1])
  return kb / 1024
}

const failures: string[] = []
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failures.push(what)
}

const seeds = await loadSeeds()
console.log(
  `soak: ${SECONDS} s, ${CONNECTIONS} connections, ${seeds.length} requests for ${new Set(seeds.map((s) => s.controller.name)).size} controllers in rotation`,
)

// 1. Soak.
{
  const server = await startServer({ METAHOOKS_MAX_CONCURRENCY: '0' })
  try {
    const samples: { at: number; rss: number }[] = []
    const started = Date.now()
    const sampler = setInterval(
      () => samples.push({ at: (Date.now() - started) / 1000, rss: rssMiB(server.pid) }),
      5000,
    )
    const result = await load(server.url, seeds, { connections: CONNECTIONS, duration: SECONDS })
    clearInterval(sampler)
    const afterWarmup = samples.find((s) => s.at >= WARMUP_SECONDS) ?? samples[0]!
    const end = samples.at(-1)!
    const growth = (end.rss - afterWarmup.rss) / afterWarmup.rss
    console.log(
      `${result.requests} requests, p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms; statuses ${JSON.stringify(result.statuses)}`,
    )
    console.log(`RSS MiB: ${samples.map((s) => s.rss.toFixed(0)).join(' ')}`)
    console.log(
      `RSS after ${afterWarmup.at.toFixed(0)} s warm-up ${afterWarmup.rss.toFixed(1)} MiB, at the end ${end.rss.toFixed(1)} MiB (${(growth * 100).toFixed(1)}%)`,
    )
    check(
      result.requests > 0 && result.statuses[200] === result.requests,
      'every valid request answered 200',
    )
    check(
      result.errors === 0 && result.timeouts === 0,
      `no connection errors or timeouts (${result.errors} errors, ${result.timeouts} timeouts)`,
    )
    check(growth < 0.1, 'RSS growth under 10% after warm-up')
  } finally {
    server.stop()
  }
}

// 2. Overload past METAHOOKS_MAX_CONCURRENCY.
{
  const server = await startServer({ METAHOOKS_MAX_CONCURRENCY: '4' })
  try {
    const large = compositeRequest(mypod, {
      parent: myPodParent(),
      observed: Array.from({ length: 1000 }, (_, i) =>
        observedPod(i === 0 ? NOTES_POD : `extra-${i}`),
      ),
    })
    const result = await load(server.url, [{ path: '/mypod/sync', request: large }], {
      connections: 64,
      duration: Math.min(30, SECONDS),
    })
    console.log(
      `overload: ${result.requests} requests, statuses ${JSON.stringify(result.statuses)}, p99 ${result.p99} ms, max ${result.max} ms`,
    )
    check((result.statuses[429] ?? 0) > 0, 'the excess is shed with 429')
    check(result.missingRetryAfter === 0, 'every 429 carries Retry-After')
    check(
      Object.keys(result.statuses).every((s) => s === '200' || s === '429'),
      'nothing but 200 and 429',
    )
    check(
      result.errors === 0 && result.timeouts === 0,
      `no timeouts or connection errors (${result.errors} errors, ${result.timeouts} timeouts)`,
    )
  } finally {
    server.stop()
  }
}

rmSync(scratch, { recursive: true, force: true })
console.log(failures.length === 0 ? '\nsoak passed' : `\nsoak failed: ${failures.join('; ')}`)
process.exit(failures.length === 0 ? 0 : 1)
