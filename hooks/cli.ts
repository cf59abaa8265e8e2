import { parseArgs } from 'node:util'
import { optionsFromEnv, startNodeServer } from './node.ts'
import { controllerRoutes } from './core/http/app.ts'
import { controllers } from './registry.ts'
import type { Env } from './core/http/config.ts'

const USAGE = `metahooks — Kubernetes controllers as Metacontroller hooks

Usage:
  metahooks serve [--host HOST] [--port PORT]   serve every controller's hooks (default 127.0.0.1:8080)
  metahooks controllers                         list controllers and their routes
  metahooks help                                this text

Environment: PORT, HOST, METAHOOKS_AUTH_TOKEN, METAHOOKS_AUTH_SCHEME, METAHOOKS_BASIC_USERNAME,
METAHOOKS_BASIC_PASSWORD, METAHOOKS_MAX_BODY_BYTES, METAHOOKS_MAX_CONCURRENCY, METAHOOKS_BUILD_ID,
METAHOOKS_SHUTDOWN_DELAY_SECONDS, METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS.`

class UsageError extends Error {}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { host: { type: 'string' }, port: { type: 'string' } }, strict: true })
  const env: Env = { ...process.env }
  if (values.host !== undefined) env.HOST = values.host
  if (values.port !== undefined) env.PORT = values.port
  const running = await startNodeServer(optionsFromEnv(env))
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void running.shutdown(signal).then(() => process.exit(0)))
  }
}

function list(): void {
  for (const c of controllers) {
    console.log(`${c.name}\t${c.type}\t${controllerRoutes(c).map((r) => r.path).join(' ')}`)
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'controllers':
      return list()
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

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`metahooks: ${message}`)
  process.exit(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1)
})
