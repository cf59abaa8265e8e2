// `metahooks/cli`: the `metahooks` command. bin/metahooks.js finds the project (hooks/registry.ts
// and, optionally, hooks/commands.ts) and calls runCli with its controllers and commands.
import { UsageError, type Command, type Project } from './command.ts'
// For a project's own commands that talk to the cluster, as the toolkit's do.
export { age, statusReport } from './cluster/status.ts'
export {
  CLUSTER_OPTIONS,
  Kube,
  KubeError,
  pathOf,
  type KubeOptions,
  type TypeInfo,
} from './cluster/kube.ts'
import { applyCommand } from './cluster/apply.ts'
import { doctorCommand } from './cluster/doctor.ts'
import { statusCommand } from './cluster/status.ts'
import { unstickCommand } from './cluster/unstick.ts'
import { manifestsCommand, validateCommand } from './manifests.ts'
import { initCommand, newCommand } from './scaffold/index.ts'
import { controllersCommand, serveCommand } from './serve.ts'
import { renderCommand, simulateCommand } from './try.ts'

export {
  UsageError,
  controllerNamed,
  oneOf,
  positiveInt,
  type Command,
  type Project,
} from './command.ts'

/** The toolkit's own commands, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  renderCommand,
  simulateCommand,
  manifestsCommand,
  validateCommand,
  controllersCommand,
  initCommand,
  newCommand,
  applyCommand,
  statusCommand,
  doctorCommand,
  unstickCommand,
]

const ENVIRONMENT = `Environment (serve; README lists defaults and ranges): PORT, HOST, METAHOOKS_AUTH_TOKEN,
METAHOOKS_AUTH_SCHEME, METAHOOKS_BASIC_USERNAME, METAHOOKS_BASIC_PASSWORD, METAHOOKS_ALLOW_UNAUTHENTICATED,
METAHOOKS_MAX_BODY_BYTES, METAHOOKS_MAX_BYTES_IN_FLIGHT, METAHOOKS_MAX_CONCURRENCY,
METAHOOKS_HOOK_TIMEOUT_SECONDS, METAHOOKS_REQUEST_TIMEOUT_SECONDS, METAHOOKS_TLS_CERT_FILE,
METAHOOKS_TLS_KEY_FILE, METAHOOKS_TLS_CLIENT_CA_FILE, METAHOOKS_BUILD_ID,
METAHOOKS_SHUTDOWN_DELAY_SECONDS, METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS, METAHOOKS_METRICS_OPEN. render --url sends
METAHOOKS_AUTH_TOKEN as a Bearer token.`

export function usage(commands: readonly Command[]): string {
  return [
    'metahooks — Kubernetes controllers as Metacontroller hooks',
    '',
    'Usage:',
    ...commands.map((c) => c.usage),
    '',
    ENVIRONMENT,
  ].join('\n')
}

function help(command: Command): string {
  return ['Usage:', command.usage, ...(command.details ? ['', command.details] : [])].join('\n')
}

async function dispatch(
  argv: readonly string[],
  project: Project,
  commands: readonly Command[],
): Promise<void> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage(commands))
    return
  }
  const command = commands.find((c) => c.name === name)
  if (!command) throw new UsageError(`unknown command "${name}"; run "metahooks help"`)
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(help(command))
    return
  }
  if (command.needsProject && !project.found) {
    throw new UsageError(
      `${name} works in a metahooks project: no hooks/registry.ts in ${project.root} or above (create one with: metahooks init DIR)`,
    )
  }
  await command.run(rest, project)
}

let pipeWatched = false

/** A reader that stops early (`| head`) is not an error: stop quietly, as other Unix tools do. */
function quietOnClosedPipe(): void {
  if (pipeWatched) return
  pipeWatched = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(0)
  })
}

/**
 * Runs one CLI call: the toolkit's commands and the project's own (a project command may not
 * take a toolkit command's name). Errors print one line; usage errors exit 2, others 1.
 */
export async function runCli(
  argv: readonly string[],
  project: Project,
  projectCommands: readonly Command[] = [],
): Promise<void> {
  quietOnClosedPipe()
  try {
    const clash = projectCommands.find((c) => COMMANDS.some((t) => t.name === c.name))
    if (clash)
      throw new Error(
        `hooks/commands.ts: "${clash.name}" is a metahooks command already; name yours differently`,
      )
    await dispatch(argv, project, [...COMMANDS, ...projectCommands])
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(`metahooks: ${message.split('\n')[0]}`)
    const usageError =
      error instanceof UsageError ||
      String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')
    process.exitCode = usageError ? 2 : 1
  }
}
