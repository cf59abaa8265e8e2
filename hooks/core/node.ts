import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Server } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { serve } from '@hono/node-server'
import { createApp } from './http/app.ts'
import { configFromEnv, seconds, type Env } from './http/config.ts'
import type { Sha256 } from './http/etag.ts'
import { httpsOptions, reloadOnChange, socketAuthorized, tlsFilesFromEnv } from './http/tls.ts'
import { connectionCloser } from './http/connections.ts'
import { batchedLogger, consoleLogger, type Logger } from './http/log.ts'
import { prometheusMetrics } from './http/metrics.ts'
import type { ControllerDefinition } from './define.ts'
import { PACKAGE_VERSION } from './version.ts'

/**
 * A fingerprint of the code that computes responses (every .ts file under codeDir, the project's
 * hooks/), so ETags change whenever the code does (Metacontroller keeps its ETag cache across our
 * deploys). METAHOOKS_BUILD_ID overrides it.
 */
export function codeVersion(env: Env, codeDir: string): string {
  const buildId = env.METAHOOKS_BUILD_ID
  if (typeof buildId === 'string' && buildId !== '') return `${PACKAGE_VERSION}+${buildId}`
  const hash = createHash('sha256')
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts'))
        hash.update(relative(codeDir, path)).update(readFileSync(path))
    }
  }
  walk(codeDir)
  return `${PACKAGE_VERSION}+${hash.digest('hex').slice(0, 12)}`
}

/** ETag hashing on Node: node:crypto, fed part by part so the body is never copied. */
export const nodeSha256: Sha256 = (parts) => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

export interface NodeServerOptions {
  host: string
  port: number
  env: Env
  controllers: readonly ControllerDefinition[]
  /** The project's hooks/ directory: its sources make the code version in every ETag. */
  codeDir: string
  log?: Logger
  /** The request time for clock-using controllers (tests pin it; default the real clock). */
  clock?: () => Date
}

export interface RunningServer {
  url: string
  server: Server
  /** Readiness turns 503, in-flight requests finish, then the server closes. */
  shutdown(reason: string): Promise<void>
}

function parsePort(raw: unknown): number {
  if (raw === undefined || raw === '') return 8080
  const text = String(raw)
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    throw new Error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(text)}`)
  return Number(text)
}

export function listenFromEnv(env: Env): { host: string; port: number } {
  return {
    host: typeof env.HOST === 'string' && env.HOST ? env.HOST : '127.0.0.1',
    port: parsePort(env.PORT),
  }
}

/** Node's own timeouts, derived from the request deadline so every kind of stalled connection ends. */
function nodeServerOptions(requestTimeoutMs: number) {
  return {
    // Headers (and on HTTPS the handshake) must arrive within the request deadline; a connection
    // that never sends anything is answered 408 and closed when its headers are late.
    headersTimeout: requestTimeoutMs > 0 ? requestTimeoutMs : 60_000,
    handshakeTimeout: requestTimeoutMs > 0 ? requestTimeoutMs : 120_000,
    // The app answers a late body 408 itself; this backstop covers requests no hook reads.
    requestTimeout: requestTimeoutMs > 0 ? requestTimeoutMs + 5_000 : 0,
    // Idle keep-alive connections close after this (longer than load balancers' usual 60 s).
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // How often Node checks those deadlines (default 30 s).
    connectionsCheckingInterval: 1_000,
  }
}

export const KEEP_ALIVE_TIMEOUT_MS = 65_000

export async function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const batched = options.log ? undefined : batchedLogger((text) => process.stdout.write(text))
  const log = options.log ?? batched!
  const config = configFromEnv(options.env, { requireAuth: false })
  const drainDelayMs =
    seconds(options.env, 'METAHOOKS_SHUTDOWN_DELAY_SECONDS', 0, 'no delay') * 1000
  let ready = true
  const tls = tlsFilesFromEnv(options.env)
  const app = createApp({
    controllers: options.controllers,
    version: codeVersion(options.env, options.codeDir),
    ...config,
    log,
    isReady: () => ready,
    ...(options.clock && { clock: options.clock }),
    sha256: nodeSha256,
    metrics: prometheusMetrics(),
    ...(tls?.clientCa && { clientCertificateVerified: socketAuthorized }),
  })

  const timeouts = nodeServerOptions(config.requestTimeoutMs)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: options.host,
        port: options.port,
        ...(tls
          ? {
              createServer: createHttpsServer,
              serverOptions: { ...httpsOptions(tls), ...timeouts },
            }
          : { serverOptions: timeouts }),
      },
      () => resolve(s as Server),
    )
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${options.host}:${options.port} is already in use; choose another port: PORT=9000 npm start, or metahooks serve --port 9000`,
            )
          : error,
      ),
    )
  })
  const connections = connectionCloser(server, { secure: tls !== undefined })
  const stopReloading = tls ? reloadOnChange(tls, server as unknown as HttpsServer, log) : () => {}

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`
  const auth = config.auth.token || config.auth.basic ? 'required' : 'off'
  log({
    msg: 'listening',
    url,
    controllers: options.controllers.map((c) => c.name),
    auth,
    tls: tls ? (tls.clientCa ? 'mtls' : 'https') : 'off',
  })

  let closing: Promise<void> | undefined
  const shutdown = (reason: string): Promise<void> =>
    (closing ??= (async () => {
      ready = false
      stopReloading()
      log({ msg: 'shutting down', reason, drainDelayMs })
      if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs))
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Connections go unused once their in-flight request is answered; close them as they do.
        const sweep = setInterval(() => connections.closeUnused(), 50)
        server.once('close', () => clearInterval(sweep))
        connections.closeUnused()
      })
      log({ msg: 'stopped' })
      batched?.flush()
    })())

  return { url, server, shutdown }
}

/**
 * Serves until SIGTERM or SIGINT, then shuts down gracefully and exits 0 — or 1 when requests are
 * still open at METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS (0: wait for them however long). A repeated
 * signal changes nothing: `npm start` forwards the signal it gets to the server, so a signal sent
 * to the process group arrives twice.
 */
export async function serveUntilSignalled(
  project: { controllers: readonly ControllerDefinition[]; codeDir: string },
  env: Env,
): Promise<RunningServer> {
  const deadlineMs = seconds(env, 'METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS', 25, 'no limit') * 1000
  const running = await startNodeServer({ ...project, ...listenFromEnv(env), env })
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return
    signalled = true
    if (deadlineMs > 0) {
      setTimeout(() => {
        consoleLogger({ msg: 'shutdown deadline passed; exiting with requests still open' })
        process.exit(1)
      }, deadlineMs).unref()
    }
    void running.shutdown(signal).then(() => process.exit(0))
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return running
}
