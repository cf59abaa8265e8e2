#!/usr/bin/env node
// `npm run package`: the metahooks package as users install it: hooks/core compiled to JavaScript
// with type declarations, the `metahooks` bin, and a package.json whose exports point at them,
// staged in dist/package and packed into dist/metahooks-<version>.tgz (prints its path).
// This repository itself needs no build: its package.json's exports point at the TypeScript.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stage = join(root, 'dist', 'package')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

rmSync(stage, { recursive: true, force: true })
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
execFileSync(
  process.execPath,
  [tsc, '-p', join(root, 'tsconfig.package.json'), '--outDir', stage],
  { cwd: root, stdio: 'inherit' },
)

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  )
for (const file of walk(join(stage, 'hooks'))) {
  // tsc rewrites the .ts specifiers of the JavaScript it emits, not of the declarations.
  if (file.endsWith('.d.ts'))
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /((?:from |import\()['"]\.\.?\/[^'"]*)\.ts(['"])/g,
        '$1.js$2',
      ),
    )
}
// In the repository the version comes from package.json; in the package it is written in.
writeFileSync(
  join(stage, 'hooks/core/version.js'),
  `/** The package version; ETags also include a build id so new code never reuses old ETags. */\nexport const PACKAGE_VERSION = ${JSON.stringify(pkg.version)};\n`,
)

/**
 * The dependencies the packaged code imports (the compiled toolkit and the bin), at this
 * repository's versions: what only the catalogue uses (dagre for its UI) stays out. An import that
 * package.json does not list stops the build.
 */
async function importedDependencies() {
  // esbuild reads the imports (those in the scaffold's template strings are text, not imports).
  const { build } = await import('esbuild')
  const entryPoints = [
    ...walk(join(stage, 'hooks')).filter((f) => f.endsWith('.js')),
    join(root, 'bin', 'metahooks.js'),
  ]
  const { metafile } = await build({
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: join(stage, '.scan'),
    logLevel: 'silent',
  })
  // Imported by a computed path, which esbuild cannot follow (manifests/validate.ts, testing/invariants.ts).
  const names = new Set(['kubernetes-models'])
  for (const input of Object.values(metafile.inputs)) {
    for (const { path, external } of input.imports) {
      if (
        !external ||
        path.startsWith('node:') ||
        path === 'metahooks' ||
        path.startsWith('metahooks/')
      )
        continue
      names.add(path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0])
    }
  }
  const missing = [...names].filter((n) => !pkg.dependencies[n])
  if (missing.length > 0)
    throw new Error(
      `the package imports ${missing.join(', ')}, which package.json's dependencies do not list`,
    )
  return Object.fromEntries([...names].sort().map((n) => [n, pkg.dependencies[n]]))
}

const exportsOf = (target) => ({
  types: target.replace(/\.ts$/, '.d.ts'),
  default: target.replace(/\.ts$/, '.js'),
})
const published = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: 'module',
  license: pkg.license,
  engines: pkg.engines,
  bin: pkg.bin,
  exports: Object.fromEntries(
    Object.entries(pkg.exports).map(([path, target]) => [
      path,
      target.endsWith('.ts') ? exportsOf(target) : target,
    ]),
  ),
  dependencies: await importedDependencies(),
  // Not installed with the package (npm never installs a dependency's devDependencies): the
  // versions \`metahooks init\` pins in a new project.
  devDependencies: Object.fromEntries(
    ['@biomejs/biome', '@types/node', 'typescript', 'vitest', 'wrangler'].map((name) => [
      name,
      pkg.devDependencies[name],
    ]),
  ),
  ...(pkg.peerDependencies && { peerDependencies: pkg.peerDependencies }),
}
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`)
mkdirSync(join(stage, 'bin'), { recursive: true })
copyFileSync(join(root, 'bin', 'metahooks.js'), join(stage, 'bin', 'metahooks.js'))
// The Dockerfile builds any project of this layout: `metahooks init` copies it.
copyFileSync(join(root, 'Dockerfile'), join(stage, 'Dockerfile'))
copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'))
writeFileSync(
  join(stage, 'README.md'),
  packageReadme(readFileSync(join(root, 'README.md'), 'utf8')),
)
const packed = execFileSync(
  'npm',
  ['pack', stage, '--pack-destination', join(root, 'dist'), '--silent'],
  { cwd: root, encoding: 'utf8' },
)
  .trim()
  .split('\n')
  .at(-1)
console.log(join(root, 'dist', packed))

/**
 * The package's README: the repository README's introduction and the sections about the toolkit
 * (writing, testing and configuring controllers), not the catalogue's. Taken from README.md as
 * they are, so the two never disagree; a section that is missing stops the build.
 */
function packageReadme(readme) {
  const intro = readme.slice(0, readme.indexOf('\n## '))
  const section = (title) => {
    const start = readme.indexOf(`\n## ${title}\n`)
    if (start < 0) throw new Error(`README.md has no section "## ${title}" for the package README`)
    const end = readme.indexOf('\n## ', start + 1)
    return readme.slice(start, end < 0 ? undefined : end)
  }
  const sections = [
    'Write your own controller',
    'Writing a controller',
    'Testing controllers without a cluster',
    'Configuration',
  ]
  return (
    `${intro.trimEnd()}\n\nThis is the toolkit's package; the repository it is built from also holds a catalogue of controllers.\n${sections.map(section).join('')}`.trimEnd() +
    '\n'
  )
}
