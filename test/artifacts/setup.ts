import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

/**
 * The artifact tier: a real S3-compatible server (SeaweedFS's `weed`, built from its Go module by
 * build.sh) on loopback, with one identity, and the rclone the executor runs in Pods.
 */

export interface ArtifactServer {
  /** Where build.sh put rclone and weed. */
  bin: string
  /** host:port of the S3 API (an Argo s3.endpoint). */
  endpoint: string
  accessKey: string
  secretKey: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    artifacts: ArtifactServer
  }
}

const ACCESS_KEY = 'AKIAMETAHOOKSTEST'
const SECRET_KEY = 'metahooks-artifact-tier-secret'

/** A free port p whose p+10000 is free too (weed serves gRPC there). */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(undefined))
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 30000)
    if ((await listen(p)) && (await listen(p + 10000))) return p
  }
  throw new Error('no free port pair on 127.0.0.1')
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const built = spawnSync('bash', [join(import.meta.dirname, 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (built.status !== 0) throw new Error('test/artifacts/build.sh failed (see above)')
  const bin = built.stdout.trim()
  const dir = mkdtempSync(join(tmpdir(), 'metahooks-weed-'))
  writeFileSync(
    join(dir, 's3.json'),
    JSON.stringify({
      identities: [
        {
          name: 'tier',
          credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
  )
  const [master, volume, filer, s3] = [
    await freePortPair(),
    await freePortPair(),
    await freePortPair(),
    await freePortPair(),
  ]
  // Each bucket is a collection with volumes of its own: room for many small ones.
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-volume.max=100',
    '-master.volumeSizeLimitMB=64',
    `-master.port=${master}`,
    `-volume.port=${volume}`,
    '-filer',
    `-filer.port=${filer}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.config=${join(dir, 's3.json')}`,
  ]
  const weed: ChildProcess = spawn(join(bin, 'weed'), args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  weed.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  const stop = async () => {
    weed.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    weed.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const endpoint = `127.0.0.1:${s3}`
  // Ready once a bucket can be made (the S3 gateway waits for the filer, the filer for a volume).
  const deadline = Date.now() + 90_000
  for (;;) {
    const made = spawnSync(
      join(bin, 'rclone'),
      [
        '--config=/dev/null',
        '-q',
        '--retries',
        '1',
        '--low-level-retries',
        '1',
        'mkdir',
        '--s3-provider',
        'Other',
        '--s3-endpoint',
        `http://${endpoint}`,
        ':s3:metahooks',
      ],
      {
        env: {
          ...process.env,
          RCLONE_S3_ACCESS_KEY_ID: ACCESS_KEY,
          RCLONE_S3_SECRET_ACCESS_KEY: SECRET_KEY,
        },
        encoding: 'utf8',
      },
    )
    if (made.status === 0) break
    if (weed.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(
        `weed did not serve S3 on ${endpoint} within 90 s: ${made.stderr.slice(-500)}\n${log}`,
      )
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  project.provide('artifacts', { bin, endpoint, accessKey: ACCESS_KEY, secretKey: SECRET_KEY })
  return stop
}
