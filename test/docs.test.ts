import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { controllers } from '../hooks/registry.ts'
import { runInProcess } from './fixtures/cli.ts'
import { ROOT } from './fixtures/server.ts'

// Every render and simulate command the docs show works as written (issue 19: propagate's did not).

const DOCS = ['docs/controllers.md', 'docs/workflow.md']
const commands = DOCS.flatMap((doc) =>
  readFileSync(join(ROOT, doc), 'utf8')
    .split('\n')
    .filter((line) => /^npx metahooks (render|simulate) /.test(line))
    .map((line) => ({
      doc,
      line,
      args: line
        .replace(/\s+#.*$/, '')
        .split(/\s+/)
        .slice(2),
    })),
)

/** Documented otherwise: pod-name-label decorates Pods that service-per-pod's example only templates; a cron never goes quiet. */
const NO_SIMULATE = new Set(['pod-name-label', 'cronworkflow'])
const NO_RENDER = new Set(['pod-name-label'])

describe('the documented commands', () => {
  it('every controller shows how to render and simulate its example', () => {
    const shown = (verb: string) =>
      new Set(commands.filter((c) => c.args[0] === verb).map((c) => c.args[1]))
    expect(
      controllers
        .map((c) => c.name)
        .filter((name) => !NO_RENDER.has(name) && !shown('render').has(name)),
    ).toEqual([])
    expect(
      controllers
        .map((c) => c.name)
        .filter((name) => !NO_SIMULATE.has(name) && !shown('simulate').has(name)),
    ).toEqual([])
  })

  it.each(commands)('$doc: $line', async ({ args }) => {
    const { code, stderr } = await runInProcess(args)
    expect(stderr.split('\n').filter((l) => l && !l.startsWith('metahooks: ignored '))).toEqual([])
    expect(code).toBe(0)
  })
})
