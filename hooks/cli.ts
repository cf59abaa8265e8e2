import { parseArgs } from 'node:util'
import { serveUntilSignalled } from './node.ts'
import { controllerRoutes } from './core/http/app.ts'
import { controllers } from './registry.ts'
import type { Env } from './core/http/config.ts'
import type { ControllerDefinition, HookName } from './core/define.ts'
import type { KObject } from './core/contract/objects.ts'
import { InputError, loadObjects } from './core/testing/files.ts'
import { ignoredInputs, type Ignored } from './core/testing/ignored.ts'
import { customizeRules, requestFor } from './core/testing/requests.ts'
import { asStored, inDefaultNamespace, ownObserved, render } from './core/testing/render.ts'
import { formatActions, formatResult, formatRound, renderedYaml, stateYaml } from './core/testing/report.ts'
import { APPLY_STRATEGIES, Simulation } from './core/testing/simulator.ts'
import { generateManifests, manifestDrift, writeManifests } from './core/manifests/generate.ts'
import { formatProblem, ObjectValidator, validateManifests } from './core/manifests/validate.ts'
import { fileURLToPath } from 'node:url'
import { WORKFLOW_RBAC_USAGE, workflowRbacCommand } from './workflow/rbac-command.ts'
import { join, relative } from 'node:path'

/** The repository (or installed package) root: where the committed manifests live. */
const ROOT = fileURLToPath(new URL('..', import.meta.url))

const USAGE = `metahooks — Kubernetes controllers as Metacontroller hooks

Usage:
  metahooks serve [--host HOST] [--port PORT]
      Serve every controller's hooks (default 127.0.0.1:8080; same as npm start).
  metahooks render <controller> -f PARENT.yaml [--parent KIND/NAME] [--observed FILE_OR_DIR]... [--hook sync|finalize|customize]
                   [-o yaml|json] [--url URL] [--now ISO_TIME]
      One hook call, exactly as Metacontroller would make it; prints the response (yaml: the parent
      with its new status, then every desired child). --url sends it to a running server.
  metahooks simulate <controller> -f PARENT.yaml [--parent KIND/NAME] [--observed FILE_OR_DIR]... [--rounds N]
                   [--delete-after N] [--kubelet auto|none] [--now ISO_TIME]
                   [--apply-strategy dynamic-apply|server-side-apply]
      Run the controller against an in-memory cluster until it is quiet; print each round's
      actions and the final state. Exit 0 when it converged. --delete-after N deletes the parent
      after N rounds (or once quiet, if sooner) and runs on until what it owned is cleaned up.
  metahooks manifests [--target cluster|worker] [--url URL] [--auth] [--tls|--mtls] [--image IMAGE] [-o DIR]
      Generate the CRDs, CompositeControllers/DecoratorControllers, the server's deployment,
      Metacontroller's least-privilege RBAC and kustomization.yaml from the definitions. Without -o
      it rewrites the committed files (cluster target); --check only reports drift (exit 1).
  metahooks validate [PATH...]
      Validate manifests offline (default: every YAML in the repo outside test/ and helm/).
  metahooks controllers
      List controllers and their routes.
${WORKFLOW_RBAC_USAGE}

A file of several objects needs --parent KIND/NAME (the parent, or a decorator's target); its other
objects are taken with the observed ones. Observed objects of a child type without an owner are taken as the parent's children (as if
Metacontroller had created them); other objects are the rest of the cluster (related objects,
namespaces, objects owned by others).

Environment (serve; README lists defaults and ranges): PORT, HOST, METAHOOKS_AUTH_TOKEN,
METAHOOKS_AUTH_SCHEME, METAHOOKS_BASIC_USERNAME, METAHOOKS_BASIC_PASSWORD, METAHOOKS_ALLOW_UNAUTHENTICATED,
METAHOOKS_MAX_BODY_BYTES, METAHOOKS_MAX_BYTES_IN_FLIGHT, METAHOOKS_MAX_CONCURRENCY,
METAHOOKS_HOOK_TIMEOUT_SECONDS, METAHOOKS_REQUEST_TIMEOUT_SECONDS, METAHOOKS_TLS_CERT_FILE,
METAHOOKS_TLS_KEY_FILE, METAHOOKS_TLS_CLIENT_CA_FILE, METAHOOKS_BUILD_ID,
METAHOOKS_SHUTDOWN_DELAY_SECONDS, METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS. render --url sends
METAHOOKS_AUTH_TOKEN as a Bearer token.`

class UsageError extends Error {
  override name = 'UsageError'
}

function controllerNamed(name: string | undefined): ControllerDefinition {
  if (!name) throw new UsageError(`name a controller: ${controllers.map((c) => c.name).join(', ')}`)
  const found = controllers.find((c) => c.name === name)
  if (!found) throw new UsageError(`unknown controller "${name}"; known: ${controllers.map((c) => c.name).join(', ')}`)
  return found
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`)
  return Number(value)
}

function oneOf<T extends string>(value: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}

const inputOptions = {
  file: { type: 'string', short: 'f' },
  parent: { type: 'string' },
  observed: { type: 'string', multiple: true },
} as const

/**
 * The parent among a file's objects: the only one, or the one `--parent KIND/NAME` names; the
 * others are taken with the observed objects (children, related objects).
 */
function pickParent(file: string, objects: KObject[], named: string | undefined): { parent: KObject; rest: KObject[] } {
  if (named === undefined) {
    if (objects.length === 1) return { parent: objects[0]!, rest: [] }
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')
    throw new UsageError(`${file} holds ${objects.length} objects (${names}); name the parent with --parent KIND/NAME`)
  }
  const [kind, name] = named.split('/')
  const index = objects.findIndex((o) => o.kind.toLowerCase() === kind?.toLowerCase() && o.metadata.name === name)
  if (!kind || !name || index < 0) throw new UsageError(`--parent ${named}: no such object in ${file} (it holds ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`)
  return { parent: objects[index]!, rest: objects.filter((_, i) => i !== index) }
}

/**
 * The parent and observed objects from files, refused — naming file, object and field — where the
 * API server would refuse them (the same check as `metahooks validate`), so a typo in a spec is an
 * error instead of a quietly applied default.
 */
async function readInputs(file: string | undefined, observed: string[] | undefined, command: string, parentName?: string): Promise<{ parent: KObject; objects: KObject[] }> {
  if (!file) throw new UsageError(`${command} needs -f PARENT.yaml`)
  const picked = pickParent(file, loadObjects(file).map((o) => inDefaultNamespace(controllers, o)), parentName)
  const sources = [{ path: file, objects: [picked.parent, ...picked.rest] }, ...(observed ?? []).map((path) => ({ path, objects: loadObjects(path).map((o) => inDefaultNamespace(controllers, o)) }))]
  const validator = new ObjectValidator(controllers)
  const problems: string[] = []
  for (const { path, objects } of sources) {
    for (const o of objects) {
      const check = await validator.check(o as Record<string, unknown>)
      // An object of a kind nobody defines is not refused here: it is reported as ignored.
      if (check.known && check.problems.length > 0) problems.push(`${path}: ${o.kind} ${o.metadata.name} is invalid: ${check.problems.join('; ')}`)
    }
  }
  if (problems.length > 0) throw new InputError(problems.join('; '))
  const [parent, ...objects] = sources.flatMap((s) => s.objects)
  return { parent: parent!, objects }
}

function reportIgnored(ignored: readonly Ignored[]): void {
  for (const i of ignored) process.stderr.write(`metahooks: ignored ${i.object}: ${i.reason}\n`)
}

async function renderCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...inputOptions, hook: { type: 'string' }, output: { type: 'string', short: 'o' }, url: { type: 'string' }, now: { type: 'string' } },
  })
  const now = values.now === undefined ? undefined : new Date(values.now)
  if (now && Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO 8601 time, got "${values.now}"`)
  const definition = controllerNamed(positionals[0])
  const hook = oneOf<HookName>(values.hook, '--hook', ['sync', 'finalize', 'customize'])
  const output = oneOf(values.output, '-o', ['yaml', 'json'] as const) ?? 'yaml'
  const { parent, objects } = await readInputs(values.file, values.observed, 'render', values.parent)
  const token = process.env.METAHOOKS_AUTH_TOKEN
  let rendered
  try {
    rendered = await render(definition, {
      parent,
      observed: objects,
      ...(hook && { hook }),
      ...(now && { now }),
      ...(values.url && { url: values.url }),
      ...(token && { authorization: `${process.env.METAHOOKS_AUTH_SCHEME ?? 'Bearer'} ${token}` }),
    })
  } catch (error) {
    throw new Error(`${values.file}: ${(error as Error).message}`)
  }
  reportIgnored(rendered.ignored)
  process.stdout.write(output === 'json' ? `${rendered.body}\n` : renderedYaml(definition, asStored(definition, parent), rendered))
}

async function simulateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...inputOptions, rounds: { type: 'string' }, 'delete-after': { type: 'string' }, kubelet: { type: 'string' }, now: { type: 'string' }, 'apply-strategy': { type: 'string' } },
  })
  const startTime = values.now
  if (startTime !== undefined && Number.isNaN(Date.parse(startTime))) throw new UsageError(`--now must be an ISO 8601 time, got "${startTime}"`)
  const definition = controllerNamed(positionals[0])
  const rounds = positiveInt(values.rounds, '--rounds') ?? 50
  const deleteAfter = positiveInt(values['delete-after'], '--delete-after')
  const kubelet = oneOf(values.kubelet, '--kubelet', ['auto', 'none'] as const) ?? 'auto'
  const applyStrategy = oneOf(values['apply-strategy'], '--apply-strategy', APPLY_STRATEGIES) ?? 'dynamic-apply'
  const { parent, objects } = await readInputs(values.file, values.observed, 'simulate', values.parent)
  const stored = asStored(definition, parent)
  const owned = ownObserved(definition, stored, objects)
  // When customize refuses (an invalid spec) there is nothing to report: the first round shows the error.
  const rules = await customizeRules(definition, stored).catch(() => undefined)
  if (rules) reportIgnored(ignoredInputs(definition, stored, owned, requestFor(definition, { parent: stored, objects: owned, rules })))
  const sim = new Simulation(definition, { parent: stored, objects: owned, kubelet, applyStrategy, ...(startTime && { startTime }) })
  const start = sim.cluster.now
  const print = (text: string) => process.stdout.write(`${text}\n`)

  let result = await sim.run({ maxRounds: deleteAfter ?? rounds })
  for (const r of result.rounds) print(formatRound(r, start))
  if (deleteAfter !== undefined && sim.parent) {
    print(`${formatResult(result)}`)
    print(`--delete-after ${deleteAfter}: delete ${parent.kind} ${parent.metadata.name} now, as kubectl delete would, and run until the cluster is quiet`)
    for (const line of formatActions(sim.deleteParent())) print(line)
    result = await sim.run({ maxRounds: rounds })
    for (const r of result.rounds) print(formatRound(r, start))
    const more = result.rounds.length > 0 ? ` in ${result.rounds.length} more round(s)` : ''
    print(result.converged ? `cleaned up after the deletion${more}: ${result.reason}` : formatResult(result))
  } else print(formatResult(result))
  const state = sim.objects()
  print(`--- final state (${state.length} object(s))`)
  if (state.length > 0) process.stdout.write(stateYaml(state))
  if (!result.converged) process.exitCode = 1
}

async function manifestsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { target: { type: 'string' }, url: { type: 'string' }, auth: { type: 'boolean' }, tls: { type: 'boolean' }, mtls: { type: 'boolean' }, image: { type: 'string' }, output: { type: 'string', short: 'o' }, check: { type: 'boolean' } },
  })
  const target = oneOf(values.target, '--target', ['cluster', 'worker'] as const) ?? 'cluster'
  if (target === 'worker' && !values.url) throw new UsageError('--target worker needs --url https://<your worker>')
  if (target === 'worker' && !values.output && !values.check) throw new UsageError('--target worker writes elsewhere: give -o DIR (the committed files are the cluster target)')
  const files = generateManifests(controllers, { target, ...(values.url && { url: values.url }), ...(values.auth && { auth: true }), ...(values.tls && { tls: true }), ...(values.mtls && { mtls: true }), ...(values.image && { image: values.image }) })
  const root = values.output ?? ROOT
  if (values.check) {
    const drift = manifestDrift(root, files)
    for (const d of drift) console.error(`drift: ${d}`)
    if (drift.length > 0) throw new Error(`generated manifests are out of date (${drift.length}); run: npx metahooks manifests`)
    console.log(`manifests up to date (${files.size} files)`)
    return
  }
  for (const { path, changed } of writeManifests(root, files)) console.log(`${changed ? 'wrote' : 'unchanged'} ${relative(process.cwd(), join(root, path)) || path}`)
}

async function validateCommand(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  const paths = positionals.length > 0 ? positionals : [ROOT]
  const counted = { files: 0, objects: 0 }
  const problems = await validateManifests(paths, controllers, process.cwd(), counted)
  for (const p of problems) console.error(formatProblem(p))
  const checked = `${counted.files} file(s), ${counted.objects} object(s)`
  if (problems.length > 0) throw new Error(`${problems.length} problem(s) found in ${checked}`)
  console.log(`all manifests valid: ${checked} checked`)
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { host: { type: 'string' }, port: { type: 'string' } }, strict: true })
  const env: Env = { ...process.env }
  if (values.host !== undefined) env.HOST = values.host
  if (values.port !== undefined) env.PORT = values.port
  await serveUntilSignalled(env)
}

function list(): void {
  for (const c of controllers) console.log(`${c.name}\t${c.type}\t${controllerRoutes(c).map((r) => r.path).join(' ')}`)
}

/** A command's own part of the usage text (its lines, up to the next command). */
function commandHelp(command: string): string | undefined {
  const lines = USAGE.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`  metahooks ${command}`))
  if (start < 0) return undefined
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('  metahooks ') || l.trim() === ''))
  return ['Usage:', ...lines.slice(start, end < 0 ? undefined : end)].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    const help = commandHelp(command)
    if (!help) throw new UsageError(`unknown command "${command}"; run "metahooks help"`)
    console.log(help)
    return
  }
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'render':
      return renderCommand(rest)
    case 'simulate':
      return simulateCommand(rest)
    case 'manifests':
      return manifestsCommand(rest)
    case 'validate':
      return validateCommand(rest)
    case 'controllers':
      return list()
    case 'workflow-rbac':
      return workflowRbacCommand(rest, (text) => process.stdout.write(text), (text) => console.error(`metahooks: ${text}`))
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return
    default:
      throw new UsageError(`unknown command "${command}"; run "metahooks help"`)
  }
}

// A reader that stops early (`| head`) is not an error: stop quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(0)
})

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`metahooks: ${message.split('\n')[0]}`)
  const usage = error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')
  process.exitCode = usage ? 2 : 1
})
