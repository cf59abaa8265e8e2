import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { loadObjects } from '../../hooks/core/testing/files.ts'
import { ROOT } from '../fixtures/server.ts'
import { kubeconfigYaml } from './cluster.ts'

const cluster = inject('cluster')
const dir = mkdtempSync(join(tmpdir(), 'metahooks-yaml-'))
const kubeconfig = join(dir, 'kubeconfig')
writeFileSync(join(dir, 'ca.crt'), cluster.open.ca)
writeFileSync(kubeconfig, kubeconfigYaml(cluster.open, join(dir, 'ca.crt')))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FIXTURES = join(ROOT, 'test/fixtures/yaml')

/** What kubectl makes of a file: the objects it would send (client-side dry run, no defaults added). */
function kubectlRead(file: string): unknown[] {
  const out = spawnSync(
    join(cluster.bin, 'kubectl'),
    [
      '--kubeconfig',
      kubeconfig,
      'create',
      '--dry-run=client',
      '--validate=false',
      '-o',
      'json',
      '-f',
      file,
    ],
    { encoding: 'utf8' },
  )
  expect(out.status, out.stderr).toBe(0)
  // One JSON object per document, one after another (pretty-printed: each starts a line with `{`).
  return JSON.parse(`[${out.stdout.trim().replace(/\n\}\n\{/g, '\n},\n{')}]`) as unknown[]
}

describe('the CLI reads YAML as the pinned kubectl does', () => {
  it.each(
    readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.yaml'))
      .sort(),
  )('%s', (file) => {
    const ours = loadObjects(join(FIXTURES, file))
    expect(ours).toEqual(kubectlRead(join(FIXTURES, file)))
  })
})
