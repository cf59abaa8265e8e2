import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { generateManifests, manifestDrift, writeManifests } from '../manifests/generate.ts'
import { formatProblem, validateManifests } from '../manifests/validate.ts'
import { oneOf, UsageError, type Command, type Project } from './command.ts'

function dnsLabelOption(value: string, flag: string): string {
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value))
    throw new UsageError(`${flag} must name a namespace (a DNS label), got "${value}"`)
  return value
}

/** The project's package name and version (they name its server and image). */
function projectPackage(root: string): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name?: unknown
    version?: unknown
  }
  const name = typeof pkg.name === 'string' ? pkg.name : ''
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name))
    throw new Error(
      `package.json: the name ${JSON.stringify(name)} names the server and its namespace, so it must be a DNS label (lowercase letters, digits, '-')`,
    )
  return { name, version: typeof pkg.version === 'string' ? pkg.version : '0.0.0' }
}

/** The options that shape the generated manifests (`manifests` and `apply` share them). */
export const GENERATE_OPTIONS = {
  target: { type: 'string' },
  url: { type: 'string' },
  auth: { type: 'boolean' },
  tls: { type: 'boolean' },
  mtls: { type: 'boolean' },
  image: { type: 'string' },
  metrics: { type: 'string' },
} as const

type GenerateValues = {
  target?: string
  url?: string
  auth?: boolean
  tls?: boolean
  mtls?: boolean
  image?: string
  metrics?: string
}

/** The project's manifests for these options. */
export function generateFor(project: Project, values: GenerateValues): Map<string, string> {
  const target = oneOf(values.target, '--target', ['cluster', 'worker'] as const) ?? 'cluster'
  if (target === 'worker' && !values.url)
    throw new UsageError('--target worker needs --url https://<your worker>')
  return generateManifests(project.controllers, {
    target,
    project: projectPackage(project.root),
    ...(values.url && { url: values.url }),
    ...(values.auth && { auth: true }),
    ...(values.tls && { tls: true }),
    ...(values.mtls && { mtls: true }),
    ...(values.image && { image: values.image }),
    ...(values.metrics !== undefined && {
      monitoringNamespace: dnsLabelOption(values.metrics, '--metrics'),
    }),
  })
}

async function manifests(args: string[], project: Project): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...GENERATE_OPTIONS,
      output: { type: 'string', short: 'o' },
      check: { type: 'boolean' },
    },
  })
  if (values.target === 'worker' && values.url && !values.output && !values.check)
    throw new UsageError(
      '--target worker writes elsewhere: give -o DIR (the committed files are the cluster target)',
    )
  const files = generateFor(project, values)
  const root = values.output ?? project.root
  if (values.check) {
    const drift = manifestDrift(root, files)
    for (const d of drift) console.error(`drift: ${d}`)
    if (drift.length > 0)
      throw new Error(
        `generated manifests are out of date (${drift.length}); run: npx metahooks manifests`,
      )
    console.log(`manifests up to date (${files.size} files)`)
    return
  }
  for (const { path, changed } of writeManifests(root, files))
    console.log(
      `${changed ? 'wrote' : 'unchanged'} ${relative(process.cwd(), join(root, path)) || path}`,
    )
}

async function validate(args: string[], project: Project): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  const paths = positionals.length > 0 ? positionals : [project.root]
  const counted = { files: 0, objects: 0 }
  const problems = await validateManifests(paths, project.controllers, process.cwd(), counted)
  for (const p of problems) console.error(formatProblem(p))
  const checked = `${counted.files} file(s), ${counted.objects} object(s)`
  if (problems.length > 0) throw new Error(`${problems.length} problem(s) found in ${checked}`)
  console.log(`all manifests valid: ${checked} checked`)
}

export const manifestsCommand: Command = {
  name: 'manifests',
  needsProject: true,
  usage: `  metahooks manifests [--target cluster|worker] [--url URL] [--auth] [--tls|--mtls] [--image IMAGE] [--metrics PROMETHEUS_NAMESPACE] [-o DIR]
      Generate the CRDs, CompositeControllers/DecoratorControllers, the server's deployment,
      Metacontroller's least-privilege RBAC and kustomization.yaml from the definitions. Without -o
      it rewrites the committed files (cluster target); --check only reports drift (exit 1). --metrics
      adds a ServiceMonitor (Prometheus Operator) and admits Prometheus from that namespace.`,
  run: manifests,
}

export const validateCommand: Command = {
  name: 'validate',
  needsProject: true,
  usage: `  metahooks validate [PATH...]
      Validate manifests offline (default: every YAML in the project outside test/ and helm/).`,
  run: validate,
}
