import { Hono } from 'hono'
import type { Context } from 'hono'
import { methodNotAllowed } from 'hono/method-not-allowed'
import type { ControllerDefinition, HookName } from '../define.ts'
import { hasHook, hookTime, runHook } from '../run.ts'
import { accessMiddleware, type AuthConfig } from './auth.ts'
import { concurrencyLimit } from './concurrency.ts'
import { etagMatches, requestEtag, type Sha256 } from './etag.ts'
import { BodyTooLarge, ClientGone, discardBody, readBody } from './body.ts'
import { consoleLogger, describeError, type Logger } from './log.ts'

export interface AppOptions {
  controllers: readonly ControllerDefinition[]
  /** Identifies the code that computes responses; part of every ETag. */
  version: string
  auth: AuthConfig
  /** Requests carry whole objects (managedFields included): keep this large. */
  maxBodyBytes: number
  /** In-flight hook requests before 429; 0 = unlimited. */
  maxConcurrency: number
  /** Time a controller may take before the call is answered 503 + Retry-After; 0 = no budget. */
  hookTimeoutMs?: number
  log?: Logger
  /** Readiness; the Node server turns it false while shutting down. */
  isReady?: () => boolean
  /** mTLS on Node: whether this request's connection presented a client certificate the CA signed. */
  clientCertificateVerified?: (c: Context) => boolean
  /** The request time for clock-using controllers (default: the real clock). */
  clock?: () => Date
  /** SHA-256 for ETags; default Web Crypto. The Node server passes node:crypto's (incremental, synchronous). */
  sha256?: Sha256
}

/** Sent with 429 and 503: Metacontroller re-queues a 429'd parent after this many seconds. */
const RETRY_AFTER_SECONDS = 1
const HOOKS: readonly HookName[] = ['sync', 'finalize', 'customize']
const HEALTH_PATHS = new Set(['/healthz', '/readyz'])

function plain(c: Context, status: number, message: string, headers?: Record<string, string>): Response {
  return c.text(message, status as 400, headers)
}

/** The hook routes each controller serves: sync always, finalize and customize when defined. */
export function controllerRoutes(definition: ControllerDefinition): { hook: HookName; path: string }[] {
  return HOOKS.filter((h) => hasHook(definition, h)).map((hook) => ({ hook, path: `/${definition.name}/${hook}` }))
}

function describeController(d: ControllerDefinition) {
  const target =
    d.type === 'composite'
      ? { parent: `${d.parent.kind}.${d.parent.apiVersion}`, children: d.children.map((c) => `${c.kind}.${c.apiVersion}`) }
      : { resources: d.resources.map((r) => `${r.kind}.${r.apiVersion}`), attachments: d.attachments.map((a) => `${a.kind}.${a.apiVersion}`) }
  return { name: d.name, type: d.type, hookVersion: d.hookVersion, ...target, routes: controllerRoutes(d).map((r) => r.path) }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return true
  return value.split(';')[0]!.trim().toLowerCase() === 'application/json'
}

/**
 * The hook server: one hono app built from the registry, identical on Node and Workers.
 * Order per hook request: auth → concurrency limit → body (with its size limit) → ETag → contract → controller →
 * response check. Every failure is an error status with a short secret-free text body.
 */
export function createApp(options: AppOptions): Hono {
  const log = options.log ?? consoleLogger
  const names = new Set<string>()
  for (const d of options.controllers) {
    if (names.has(d.name)) throw new Error(`two controllers are named ${d.name}`)
    names.add(d.name)
  }

  const app = new Hono()
  app.use(methodNotAllowed({ app }))

  app.get('/healthz', (c) => c.text('ok'))
  app.get('/readyz', (c) => ((options.isReady?.() ?? true) ? c.text('ok') : c.text('shutting down', 503)))

  app.use('*', accessMiddleware({ auth: options.auth, clientCertificateVerified: options.clientCertificateVerified, open: HEALTH_PATHS, log }))

  app.get('/', (c) => c.json({ name: 'metahooks', version: options.version, controllers: options.controllers.map(describeController) }))

  const limit = concurrencyLimit(options.maxConcurrency, RETRY_AFTER_SECONDS, (c) => discardBody(c, options.maxBodyBytes))

  for (const definition of options.controllers) {
    for (const { hook, path } of controllerRoutes(definition)) {
      app.post(path, limit, async (c) => {
        const started = performance.now()
        const line: Record<string, unknown> = { msg: 'hook', controller: definition.name, hook }
        const finish = (response: Response, loggedStatus = response.status): Response => {
          line.status = loggedStatus
          line.durationMs = Math.round((performance.now() - started) * 100) / 100
          log(line)
          return response
        }

        if (!isJsonContentType(c.req.header('content-type'))) return finish(plain(c, 415, 'Content-Type must be application/json'))
        let bytes: Uint8Array
        try {
          bytes = await readBody(c, options.maxBodyBytes)
        } catch (error) {
          if (error instanceof BodyTooLarge) return finish(plain(c, 413, `request body exceeds ${options.maxBodyBytes} bytes (METAHOOKS_MAX_BODY_BYTES)`))
          if (error instanceof ClientGone) {
            // Nobody is left to answer; 499 (nginx's "client closed request") marks it in the log.
            line.error = error.message
            return finish(plain(c, 400, error.message), 499)
          }
          throw error
        }
        // A clock-using hook answers per minute, so its ETag covers the minute as well.
        const now = options.clock?.() ?? new Date()
        const minute = hookTime(definition, now)
        const etag = await requestEtag(minute ? `${options.version}@${minute.toISOString()}` : options.version, path, bytes, options.sha256)
        if (etagMatches(c.req.header('if-none-match'), etag)) {
          line.etag = 'hit'
          return finish(c.body(null, 304, { ETag: etag }))
        }

        let input: unknown
        try {
          input = JSON.parse(decoder.decode(bytes))
        } catch {
          // The parser's message quotes the body, which may hold secrets: keep it out.
          return finish(plain(c, 400, 'request body is not valid JSON (UTF-8)'))
        }

        const outcome = await runHook(definition, hook, input, { now, timeoutMs: options.hookTimeoutMs ?? 0 })
        const { cause, ...meta } = outcome.meta
        Object.assign(line, meta)
        if (!outcome.ok) {
          line.error = outcome.message
          if (cause !== undefined) {
            line.cause = describeError(cause)
            if (cause instanceof Error && cause.stack) line.stack = cause.stack
          }
          // A 503 (over the time budget) is worth retrying soon.
          return finish(plain(c, outcome.status, outcome.message, outcome.status === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : undefined))
        }
        return finish(c.body(outcome.body, 200, { 'Content-Type': 'application/json', ETag: etag }))
      })
    }
  }

  app.notFound((c) => plain(c, 404, `no route ${c.req.method} ${c.req.path.slice(0, 200)}; GET / lists the controllers`))
  app.onError((error, c) => {
    log({ msg: 'unhandled error', path: c.req.path, status: 500, cause: describeError(error) })
    return plain(c, 500, 'internal error: see the hook server log')
  })
  return app
}
