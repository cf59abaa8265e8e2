import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './fixtures/server.ts'

// Style that checks itself (issue 19): small modules, and errors that say what they are.

/** Files still waiting to be split, each with why and since when (empty now). Never grows without a reason. */
const ALLOWED_OVER_400: Record<string, string> = {}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  )
}
const files = sources(join(ROOT, 'hooks')).map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}))

describe('style', () => {
  it('no file under hooks/ grows past 400 lines unless the allow-list names it (with a date and a reason)', () => {
    const long = files.filter((f) => f.text.split('\n').length - 1 > 400).map((f) => f.path)
    expect(long.filter((p) => !(p in ALLOWED_OVER_400))).toEqual([])
    // An entry for a file that is short again is stale: take it out.
    expect(Object.keys(ALLOWED_OVER_400).filter((p) => !long.includes(p))).toEqual([])
  })

  it('controllers reach the toolkit only through its public surface (metahooks, metahooks/testing, …), never by a path into hooks/core', () => {
    const outside = files.filter((f) => !f.path.startsWith('hooks/core/'))
    const deep = outside.flatMap((f) =>
      [...f.text.matchAll(/from '((?:\.\.?\/)+core\/[^']*)'/g)].map((m) => `${f.path}: ${m[1]}`),
    )
    expect(outside.filter((f) => /from 'metahooks'/.test(f.text)).length).toBeGreaterThan(17)
    expect(deep).toEqual([])
  })

  it("the toolkit never imports a controller or this repository's registry (only the package's own package.json)", () => {
    const core = files.filter((f) => f.path.startsWith('hooks/core/'))
    const upward = core.flatMap((f) =>
      [...f.text.matchAll(/from '([^']+)'/g)]
        .map((m) => m[1]!)
        .filter(
          (spec) =>
            spec.startsWith('.') &&
            !spec.endsWith('/package.json') &&
            !join(ROOT, f.path, '..', spec).startsWith(join(ROOT, 'hooks/core')),
        )
        .map((spec) => `${f.path}: ${spec}`),
    )
    expect(upward).toEqual([])
  })

  it('@kubernetes/client-node is loaded lazily (the cluster commands import it when they run; the server, the Worker and other commands never)', () => {
    expect(
      files.filter((f) => /from '@kubernetes\/client-node'/.test(f.text)).map((f) => f.path),
    ).toEqual([])
    expect(files.some((f) => f.text.includes("import('@kubernetes/client-node')"))).toBe(true)
  })

  it('every error class under hooks/ sets its name (logs print name: message)', () => {
    const unnamed = files.flatMap((f) =>
      [...f.text.matchAll(/class (\w+) extends \w*Error\b[^{]*\{([\s\S]*?)\n\}/g)]
        .filter((m) => !new RegExp(`name = '${m[1]}'`).test(m[2]!))
        .map((m) => `${f.path}: ${m[1]}`),
    )
    expect(files.some((f) => /class \w+ extends \w*Error/.test(f.text))).toBe(true)
    expect(unnamed).toEqual([])
  })
})
