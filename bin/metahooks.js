#!/usr/bin/env node
// Runs the TypeScript CLI without a build step. tsx compiling ~250 modules through Node's loader
// hooks costs about 2 s per call, so the CLI is bundled once with esbuild into .cache/cli/ and run
// from there while no source under hooks/ is newer; when the bundle cannot be written (a read-only
// install) or esbuild fails, tsx runs the sources as before.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'hooks', 'cli.ts')
// The bundle has this checkout's paths in it (below): a moved checkout builds its own.
const bundle = join(root, '.cache', 'cli', `metahooks-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.mjs`)

/** The newest modification time of the CLI's sources (hooks/**, package.json). */
function newestSource() {
  let newest = statSync(join(root, 'package.json')).mtimeMs
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  walk(join(root, 'hooks'))
  return newest
}

async function bundled() {
  try {
    if (statSync(bundle).mtimeMs >= newestSource()) return bundle
  } catch {
    // no bundle yet
  }
  try {
    const { build } = await import('esbuild')
    mkdirSync(dirname(bundle), { recursive: true })
    // Written aside then renamed: CLI calls running at once never read half a bundle.
    const partial = `${bundle}.${process.pid}.tmp`
    // Modules find files next to themselves through import.meta.url; the two that do (cli.ts, node.ts) are in hooks/.
    const define = { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) }
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', define, outfile: partial, logLevel: 'silent' })
    renameSync(partial, bundle)
    return bundle
  } catch {
    return undefined
  }
}

const path = await bundled()
if (path) await import(pathToFileURL(path).href)
else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../hooks/cli.ts')
}
