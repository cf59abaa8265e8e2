import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeBody, NEGOTIATION } from './fixtures/negotiation.ts'
import { rawExchange, rawRequest } from './fixtures/raw.ts'
import { ROOT } from './fixtures/server.ts'

const TOKEN = 'tök€n-秘密'

// wrangler itself, offline: the bundle builds and `wrangler dev` (workerd behind wrangler's proxy)
// answers with the bytes Node answers with.

const scratch = mkdtempSync(join(tmpdir(), 'metahooks-wrangler-'))
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: join(scratch, 'xdg'),
}
const wrangler = join(ROOT, 'node_modules', '.bin', 'wrangler')
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

describe('wrangler (offline)', () => {
  it('bundles the Worker with `wrangler deploy --dry-run`', () => {
    const outdir = join(scratch, 'dist')
    const result = spawnSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir, '--minify'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    })
    expect(result.status, result.stderr).toBe(0)
    const bundle = join(outdir, 'worker.js')
    expect(existsSync(bundle)).toBe(true)
    expect(statSync(bundle).size).toBeGreaterThan(1000)
  }, 60_000)

  it('`wrangler dev` answers the MyPod v2 sync with the same bytes as Node, and refuses what Node refuses, with the same bytes', async () => {
    const port = await freePort()
    const child = spawn(
      wrangler,
      [
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--inspector-port',
        '0',
        '--show-interactive-dev-session=false',
        '--persist-to',
        join(scratch, 'state'),
        '--var',
        `METAHOOKS_AUTH_TOKEN:${TOKEN}`,
      ],
      { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        let out = ''
        const onData = (d: Buffer) => {
          out += String(d)
          if (out.includes('Ready on')) resolve()
        }
        child.stdout!.on('data', onData)
        child.stderr!.on('data', onData)
        child.once('exit', (code) => reject(new Error(`wrangler dev exited ${code}: ${out}`)))
        setTimeout(() => reject(new Error(`wrangler dev not ready: ${out}`)), 45_000).unref()
      })
      const body = readFileSync(join(ROOT, 'test/fixtures/golden/mypod-sync-v2.request.json'))
      const expected = JSON.stringify(
        JSON.parse(
          readFileSync(join(ROOT, 'test/fixtures/golden/mypod-sync-v2.response.json'), 'utf8'),
        ),
      )
      const url = `http://127.0.0.1:${port}`
      // Over the wire, as Metacontroller sends it: the token's UTF-8 bytes.
      const ok = await rawExchange(
        url,
        rawRequest(
          'POST',
          '/mypod/sync',
          {
            'Content-Type': 'application/json',
            Authorization: Buffer.from(`Bearer ${TOKEN}`),
            Connection: 'close',
          },
          body,
        ),
      )
      expect(ok.status).toBe(200)
      expect(Buffer.from(ok.body, 'latin1').toString('utf8')).toBe(expected)
      for (const c of NEGOTIATION.filter((n) => n.status !== 200)) {
        const refused = await rawExchange(
          url,
          rawRequest(
            'POST',
            '/mypod/sync',
            { ...c.headers, Authorization: Buffer.from(`Bearer ${TOKEN}`), Connection: 'close' },
            await encodeBody(body, c),
          ),
        )
        expect({ name: c.name, status: refused.status, body: refused.body }).toEqual({
          name: c.name,
          status: c.status,
          body: c.body,
        })
      }
      const wrong = await rawExchange(
        url,
        rawRequest(
          'POST',
          '/mypod/sync',
          {
            'Content-Type': 'application/json',
            Authorization: Buffer.from(`Bearer ${TOKEN}`, 'latin1'),
            Connection: 'close',
          },
          body,
        ),
      )
      expect(wrong.status).toBe(401)
    } finally {
      // wrangler runs workerd in its own processes: stop the whole group.
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        // already gone
      }
    }
  }, 60_000)
})
