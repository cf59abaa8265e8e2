import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, startServerProcess } from './fixtures/server.ts'

// What the Dockerfile does, without Docker: production dependencies only (`npm ci --omit=dev`),
// then the server from hooks/. Catches product code that imports a dev dependency.

const app = mkdtempSync(join(tmpdir(), 'metahooks-prod-'))
afterAll(() => rmSync(app, { recursive: true, force: true }))

describe('production install', () => {
  it('serves a sync from `npm ci --omit=dev`', async () => {
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(app, f))
    cpSync(join(ROOT, 'hooks'), join(app, 'hooks'), { recursive: true })
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: app, encoding: 'utf8' },
    )
    expect(install.status, install.stderr).toBe(0)
    const server = await startServerProcess({}, app)
    try {
      const body = readFileSync(join(ROOT, 'test/fixtures/golden/mypod-sync-v2.request.json'))
      const res = await fetch(`${server.url}/mypod/sync`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      })
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(
        JSON.stringify(
          JSON.parse(
            readFileSync(join(ROOT, 'test/fixtures/golden/mypod-sync-v2.response.json'), 'utf8'),
          ),
        ),
      )
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  }, 120_000)
})
