import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { pluralize } from '../../k8s/resources.ts'
import { UsageError, type Command, type Project } from '../command.ts'
import { camel, compositeFiles, decoratorFiles } from './controller.ts'
import { projectFiles, type Toolchain } from './project.ts'

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/
const VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/

/** The metahooks package's own directory (this repository, or node_modules/metahooks). */
const packageDir = () => dirname(fileURLToPath(import.meta.resolve('metahooks/package.json')))

/** The versions a new project pins: metahooks' own, from its package.json. */
function toolchain(metahooks: string | undefined): Toolchain {
  const pkg = JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as {
    version: string
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
  }
  const need = (deps: Record<string, string>, name: string) =>
    deps[name] ?? `metahooks' package.json does not pin ${name}`
  return {
    metahooks: metahooks ?? pkg.version,
    zod: need(pkg.dependencies, 'zod'),
    tsx: need(pkg.dependencies, 'tsx'),
    typescript: need(pkg.devDependencies, 'typescript'),
    vitest: need(pkg.devDependencies, 'vitest'),
    typesNode: need(pkg.devDependencies, '@types/node'),
    wrangler: need(pkg.devDependencies, 'wrangler'),
    biome: need(pkg.devDependencies, '@biomejs/biome'),
  }
}

/** Writes files under root, refusing to overwrite any (nothing is written when one exists). */
function writeNew(root: string, files: Map<string, string>): void {
  const taken = [...files.keys()].filter((path) => existsSync(join(root, path)))
  if (taken.length > 0)
    throw new Error(
      `${taken.map((p) => join(relative(process.cwd(), root) || '.', p)).join(', ')} exist${taken.length === 1 ? 's' : ''} already; nothing written`,
    )
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text, { mode: path.startsWith('.ci/') ? 0o755 : 0o644 })
    console.log(`wrote ${join(relative(process.cwd(), root) || '.', path)}`)
  }
}

function init(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, metahooks: { type: 'string' } },
  })
  if (positionals.length !== 1) throw new UsageError('init needs one directory: metahooks init DIR')
  const dir = resolve(positionals[0]!)
  const name = values.name ?? basename(dir)
  if (!DNS_LABEL.test(name))
    throw new UsageError(
      `the project name "${name}" must be lowercase letters, digits and '-' (it names the package, the Worker and the server's namespace); give --name`,
    )
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new UsageError(`${positionals[0]} is not empty; init writes a new project`)
  writeNew(
    dir,
    projectFiles(
      name,
      toolchain(values.metahooks),
      readFileSync(join(packageDir(), 'Dockerfile'), 'utf8'),
    ),
  )
  console.log(
    `\nNext:\n  cd ${relative(process.cwd(), dir) || '.'}\n  npm install\n  npx metahooks new composite greeting --group example.com --kind Greeting\n  npm test && npm start`,
  )
}

/** Formats what was written with the project's own formatter, when it is installed, so its check passes. */
function formatWithProjectBiome(root: string, paths: string[]): void {
  const biome = join(root, 'node_modules', '.bin', 'biome')
  if (existsSync(biome))
    execFileSync(biome, ['format', '--write', ...paths], { cwd: root, stdio: 'ignore' })
}

/** Adds `import x from './name/index.ts'` and x to `export const controllers … = [ … ]`. */
export function addToRegistry(source: string, name: string): string {
  const id = camel(name)
  const list = /(export const controllers\b[^=]*=\s*\[)([\s\S]*?)(\])/.exec(source)
  if (!list)
    throw new Error(
      `hooks/registry.ts has no "export const controllers = [...]" to add ${id} to; add import ${id} from './${name}/index.ts' and ${id} by hand`,
    )
  const items = list[2]!.trim().replace(/,$/, '')
  const withItem = `${source.slice(0, list.index)}${list[1]}${items ? `${items}, ${id}` : id}${list[3]}${source.slice(list.index + list[0].length)}`
  const imports = [...withItem.matchAll(/^import .*$/gm)]
  const last = imports.at(-1)
  const at = last ? last.index + last[0].length + 1 : 0
  return `${withItem.slice(0, at)}import ${id} from './${name}/index.ts'\n${withItem.slice(at)}`
}

function newController(args: string[], project: Project): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      group: { type: 'string' },
      kind: { type: 'string' },
      version: { type: 'string' },
      scope: { type: 'string' },
      plural: { type: 'string' },
      'api-version': { type: 'string' },
      annotation: { type: 'string' },
    },
  })
  const [type, name] = positionals
  if ((type !== 'composite' && type !== 'decorator') || !name || positionals.length !== 2)
    throw new UsageError(
      'new composite NAME --group GROUP --kind KIND, or new decorator NAME --api-version V --kind KIND',
    )
  if (!DNS_LABEL.test(name))
    throw new UsageError(
      `the controller name "${name}" must be lowercase letters, digits and '-' (it is a URL path and a file name)`,
    )
  if (project.controllers.some((c) => c.name === name))
    throw new UsageError(`a controller named ${name} exists already`)
  const kind = values.kind
  if (!kind || !KIND.test(kind))
    throw new UsageError(
      `--kind must be a Kubernetes kind in PascalCase (e.g. Greeting), got ${JSON.stringify(kind ?? '')}`,
    )
  let files: Map<string, string>
  if (type === 'composite') {
    const { group, version = 'v1alpha1', scope = 'Namespaced' } = values
    if (!group || !DNS_SUBDOMAIN.test(group))
      throw new UsageError(
        `--group must be a DNS subdomain you own, with a dot (e.g. example.com), got ${JSON.stringify(group ?? '')}`,
      )
    if (!VERSION.test(version))
      throw new UsageError(`--version must look like v1, v1beta1 or v1alpha1, got "${version}"`)
    if (scope !== 'Namespaced' && scope !== 'Cluster')
      throw new UsageError(`--scope must be Namespaced or Cluster, got "${scope}"`)
    const plural = values.plural ?? pluralize(kind)
    if (!DNS_LABEL.test(plural))
      throw new UsageError(`--plural must be lowercase letters, digits and '-', got "${plural}"`)
    files = compositeFiles({ name, group, version, kind, plural, scope })
  } else {
    const apiVersion = values['api-version']
    if (!apiVersion || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion))
      throw new UsageError(
        `--api-version must name the decorated type's API (e.g. apps/v1, or v1), got ${JSON.stringify(apiVersion ?? '')}`,
      )
    const annotation = values.annotation ?? `${name}.metahooks.dev/note`
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(annotation))
      throw new UsageError(`--annotation must be an annotation key, got "${annotation}"`)
    files = decoratorFiles({ name, apiVersion, kind, annotation })
  }
  const registryPath = join(project.root, 'hooks', 'registry.ts')
  const registry = addToRegistry(readFileSync(registryPath, 'utf8'), name)
  writeNew(project.root, files)
  writeFileSync(registryPath, registry)
  console.log(`added ${camel(name)} to hooks/registry.ts`)
  formatWithProjectBiome(project.root, [
    ...[...files.keys()].filter((p) => p.endsWith('.ts')),
    'hooks/registry.ts',
  ])
  // A new process: this one loaded the registry before the controller existed.
  execFileSync(process.execPath, [process.argv[1]!, 'manifests'], {
    cwd: project.root,
    stdio: 'inherit',
  })
}

export const initCommand: Command = {
  name: 'init',
  usage: `  metahooks init DIR [--name NAME] [--metahooks VERSION_OR_SPEC]
      Create a project in DIR with this layout (hooks/, test/, examples/, package.json, tsconfig.json,
      wrangler.toml, Dockerfile, README, .ci/run) depending on metahooks.`,
  run: init,
}

export const newCommand: Command = {
  name: 'new',
  needsProject: true,
  usage: `  metahooks new composite NAME --group GROUP --kind KIND [--version v1alpha1] [--scope Namespaced|Cluster] [--plural P]
  metahooks new decorator NAME --api-version V --kind KIND [--annotation KEY]
      Add a controller: hooks/NAME/ (schema, sync, index), a table-driven test, an example, its
      registry entry; then regenerate the manifests.`,
  run: newController,
}
