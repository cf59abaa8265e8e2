#!/usr/bin/env node
// The `metahooks` command, for this repository and for projects that depend on metahooks alike.
//
// The project is the nearest directory, from the working directory up, with hooks/registry.ts
// (`export const controllers`) and optionally hooks/commands.ts (`export const commands`). Its
// TypeScript is bundled once with esbuild into <project>/.cache/metahooks/ and run from there while
// no source is newer (tsx compiling a few hundred modules through Node's loader hooks costs about
// 2 s per call; the bundle about 0.2 s). Installed packages stay outside the bundle; this
// repository's own toolkit sources (metahooks resolving to .ts) go in. When the bundle cannot be
// written or built, tsx runs the sources instead.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const toolkitFromSource = fileURLToPath(import.meta.resolve('metahooks/cli')).endsWith('.ts')

/** The project around the working directory, or undefined outside any. */
function findProject(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'hooks', 'registry.ts'))) return dir
    if (dirname(dir) === dir) return undefined
  }
}

/** The newest modification time of the TypeScript a call runs. */
function newestSource(dirs, files) {
  let newest = 0
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const dir of dirs) if (existsSync(dir)) walk(dir)
  for (const file of files) if (existsSync(file)) newest = Math.max(newest, statSync(file).mtimeMs)
  return newest
}

/** Bare imports that resolve into node_modules stay imports; everything else is bundled. */
const keepPackagesExternal = {
  name: 'keep-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('node:')) return undefined
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      })
      if (
        resolved.errors.length > 0 ||
        resolved.external ||
        resolved.path.includes(`${sep}node_modules${sep}`)
      )
        return { path: args.path, external: true }
      return resolved
    })
  },
}

async function bundled(root, entrySource) {
  const cacheDir = join(root, '.cache', 'metahooks')
  const bundle = join(
    cacheDir,
    `cli-${createHash('sha256').update(`${packageRoot}\0${entrySource}`).digest('hex').slice(0, 12)}.mjs`,
  )
  const sources = newestSource(
    [join(root, 'hooks'), ...(toolkitFromSource ? [join(packageRoot, 'hooks')] : [])],
    [join(root, 'package.json'), join(packageRoot, 'package.json')],
  )
  try {
    if (statSync(bundle).mtimeMs >= sources) return bundle
  } catch {
    // no bundle yet
  }
  try {
    const { build } = await import('esbuild')
    mkdirSync(cacheDir, { recursive: true })
    // Written aside then renamed: CLI calls running at once never read half a bundle.
    const partial = `${bundle}.${process.pid}.tmp`
    await build({
      stdin: {
        contents: entrySource,
        resolveDir: root,
        loader: 'ts',
        sourcefile: 'metahooks-cli-entry.ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [keepPackagesExternal],
      outfile: partial,
      logLevel: 'silent',
    })
    renameSync(partial, bundle)
    return bundle
  } catch {
    return undefined
  }
}

const root = findProject(process.cwd())
const project = { root: root ?? process.cwd(), found: root !== undefined }
const registry = root && join(root, 'hooks', 'registry.ts')
const commands =
  root && existsSync(join(root, 'hooks', 'commands.ts'))
    ? join(root, 'hooks', 'commands.ts')
    : undefined
const argv = process.argv.slice(2)

if (!root && !toolkitFromSource) {
  // No project and an installed toolkit: nothing to compile.
  const { runCli } = await import('metahooks/cli')
  await runCli(argv, { ...project, controllers: [] })
} else {
  const entry = [
    `import { runCli } from 'metahooks/cli'`,
    registry ? `import { controllers } from ${JSON.stringify(registry)}` : 'const controllers = []',
    commands ? `import { commands } from ${JSON.stringify(commands)}` : 'const commands = []',
    `await runCli(process.argv.slice(2), { ...${JSON.stringify(project)}, controllers }, commands)`,
  ].join('\n')
  const path = await bundled(root ?? packageRoot, entry)
  if (path) await import(pathToFileURL(path).href)
  else {
    const { register } = await import('tsx/esm/api')
    register()
    const { runCli } = await import('metahooks/cli')
    const { controllers } = registry
      ? await import(pathToFileURL(registry).href)
      : { controllers: [] }
    const extra = commands ? (await import(pathToFileURL(commands).href)).commands : []
    await runCli(argv, { ...project, controllers }, extra)
  }
}
