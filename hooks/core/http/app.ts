import { Hono } from 'hono'
import type { Context } from 'hono'
import { methodNotAllowed } from 'hono/method-not-allowed'
import type { ControllerDefinition, HookName } from '../define.ts'
import { hasHook, hookTime, runHook } from '../run.ts'
import { accessMiddleware, type AuthConfig } from './auth.ts'
import { Admission } from './admission.ts'
import { etagMatches, requestEtag, type Sha256 } from './etag.ts'
import {
  BodyTimeout,
  BodyTooLarge,
  ClientGone,
  declaredLength,
  discardBody,
  OverBudget,
  Preempted,
  readBody,
} from './body.ts'
import { clip, quote } from '../issues.ts'
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
  /** Bytes of request bodies admitted at once before 429; 0 or absent = no budget. */
  maxBytesInFlight?: number
  /** Time a body has to arrive once the headers have, before 408; 0 or absent = no limit. */
  requestTimeoutMs?: number
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
  /** Served at GET /metrics, behind the hooks' auth unless `metricsOpen` (the Node server passes Prometheus metrics). */
  metrics?: Metrics
  /** METAHOOKS_METRICS_OPEN=true: /metrics needs no credentials (it names the controllers, so off by default). */
  metricsOpen?: boolean
}

/** One answered hook call, as metrics see it. */
export interface HookCall {
  controller: string
  hook: string
  status: number
  durationMs: number
  observed?: number
  desired?: number
}

/** What the app reports to a metrics implementation, and how it serves them. */
export interface Metrics {
  hookCall(call: HookCall): void
  inFlight(delta: 1 | -1): void
  refused(status: number): void
  render(): Promise<{ contentType: string; body: string }>
}

/** Statuses that mean a request was refused before (or instead of) its hook call. */
const REFUSALS = new Set([401, 403, 408, 413, 415, 429])

/** Sent with 429 and 503: Metacontroller re-queues a 429'd parent after this many seconds. */
const RETRY_AFTER_SECONDS = 1
const HOOKS: readonly HookName[] = ['sync', 'finalize', 'customize']
const HEALTH_PATHS = new Set(['/healthz', '/readyz'])

/** Error bodies end up in Kubernetes Events: at most this many characters, on one printable line. */
export const MAX_ERROR_BODY_CHARS = 1024

function plain(
  c: Context,
  status: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return c.text(clip(message, MAX_ERROR_BODY_CHARS), status as 400, headers)
}

const OVER_CONCURRENCY = 'too many concurrent requests (METAHOOKS_MAX_CONCURRENCY); try again later'
const OVER_BYTE_BUDGET =
  'too many request bytes in flight (METAHOOKS_MAX_BYTES_IN_FLIGHT); try again later'
const PREEMPTED = 'request body arriving too slowly while the server is busy; try again later'
const tooLarge = (max: number) => `request body exceeds ${max} bytes (METAHOOKS_MAX_BODY_BYTES)`

/** The hook routes each controller serves: sync always, finalize and customize when defined. */
export function controllerRoutes(
  definition: ControllerDefinition,
): { hook: HookName; path: string }[] {
  return HOOKS.filter((h) => hasHook(definition, h)).map((hook) => ({
    hook,
    path: `/${definition.name}/${hook}`,
  }))
}

function describeController(d: ControllerDefinition) {
  const target =
    d.type === 'composite'
      ? {
          parent: `${d.parent.kind}.${d.parent.apiVersion}`,
          children: d.children.map((c) => `${c.kind}.${c.apiVersion}`),
        }
      : {
          resources: d.resources.map((r) => `${r.kind}.${r.apiVersion}`),
          attachments: d.attachments.map((a) => `${a.kind}.${a.apiVersion}`),
        }
  return {
    name: d.name,
    type: d.type,
    hookVersion: d.hookVersion,
    ...target,
    routes: controllerRoutes(d).map((r) => r.path),
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Why the request's body is not one we decode, for a 415; undefined when it is. The body must be
 * labelled `application/json` (Metacontroller sends exactly that), in UTF-8 when a charset is named,
 * and not content-coded: a body we would read as something it is not is refused, not guessed at.
 */
export function unsupportedMedia(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): string | undefined {
  // What Metacontroller sends, decided without parsing.
  if (contentType === 'application/json' && contentEncoding === undefined) return undefined
  const [mediaType, ...parameters] = (contentType ?? '').split(';')
  if (mediaType!.trim().toLowerCase() !== 'application/json') {
    return contentType === undefined || contentType.trim() === ''
      ? 'Content-Type must be application/json (none was sent)'
      : `Content-Type must be application/json, not ${quote(contentType, 60)}`
  }
  for (const parameter of parameters) {
    const eq = parameter.indexOf('=')
    if (eq < 0 || parameter.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    const charset = parameter
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
    if (!/^utf-?8$/i.test(charset))
      return `charset ${quote(charset, 40)} is not supported: send UTF-8`
  }
  const coding = contentEncoding?.trim() ?? ''
  if (coding !== '' && coding.toLowerCase() !== 'identity')
    return `Content-Encoding ${quote(coding, 40)} is not supported: send the body uncompressed`
  return undefined
}

/**
 * The hook server: one hono app built from the registry, identical on Node and Workers.
 * Order per hook request: auth → content type (415) → declared size (413) → a slot and the body's
 * bytes (429; http/admission.ts) → body within its size and deadline (413, 408) → ETag → contract →
 * controller → response check. Every failure is an error status with a short, one-line,
 * secret-free text body.
 */
export function createApp(options: AppOptions): Hono {
  const log = options.log ?? consoleLogger
  const names = new Set<string>()
  for (const d of options.controllers) {
    if (names.has(d.name)) throw new Error(`two controllers are named ${d.name}`)
    names.add(d.name)
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 0
  const admission = new Admission(options.maxConcurrency, options.maxBytesInFlight ?? 0)
  const describePath = (c: Context) => clip(c.req.path, 200)

  const app = new Hono()
  app.use(methodNotAllowed({ app }))

  app.get('/healthz', (c) => c.text('ok'))
  app.get('/readyz', (c) =>
    (options.isReady?.() ?? true) ? c.text('ok') : c.text('shutting down', 503),
  )

  const metrics = options.metrics
  if (metrics) {
    app.use('*', async (c, next) => {
      if (HEALTH_PATHS.has(c.req.path) || c.req.path === '/metrics') return next()
      metrics.inFlight(1)
      try {
        await next()
      } finally {
        metrics.inFlight(-1)
        if (REFUSALS.has(c.res.status)) metrics.refused(c.res.status)
      }
    })
  }

  const open =
    metrics && options.metricsOpen ? new Set([...HEALTH_PATHS, '/metrics']) : HEALTH_PATHS
  app.use(
    '*',
    accessMiddleware({
      auth: options.auth,
      clientCertificateVerified: options.clientCertificateVerified,
      open,
      log,
      describePath,
    }),
  )

  if (metrics) {
    app.get('/metrics', async (c) => {
      const { contentType, body } = await metrics.render()
      return c.body(body, 200, { 'Content-Type': contentType })
    })
  }

  app.get('/', (c) =>
    c.json({
      name: 'metahooks',
      version: options.version,
      controllers: options.controllers.map(describeController),
    }),
  )

  const retryLater = { 'Retry-After': String(RETRY_AFTER_SECONDS) }

  for (const definition of options.controllers) {
    for (const { hook, path } of controllerRoutes(definition)) {
      app.post(path, async (c) => {
        const started = performance.now()
        const line: Record<string, unknown> = { msg: 'hook', controller: definition.name, hook }
        const finish = (response: Response, loggedStatus = response.status): Response => {
          line.status = loggedStatus
          line.durationMs = Math.round((performance.now() - started) * 100) / 100
          log(line)
          metrics?.hookCall(line as unknown as HookCall)
          return response
        }
        const refuse = (
          status: number,
          message: string,
          headers?: Record<string, string>,
        ): Response => {
          line.error ??= message
          return finish(plain(c, status, message, headers))
        }
        // Refusals decided before the body is read still read it (bounded), so the keep-alive connection survives.
        const refuseUnread = async (
          status: number,
          message: string,
          headers?: Record<string, string>,
        ) => {
          await discardBody(c, options.maxBodyBytes, requestTimeoutMs)
          return refuse(status, message, headers)
        }

        const unsupported = unsupportedMedia(
          c.req.header('content-type'),
          c.req.header('content-encoding'),
        )
        if (unsupported) return refuseUnread(415, unsupported)
        const declared = declaredLength(c)
        if (declared !== undefined && declared > options.maxBodyBytes)
          return refuse(413, tooLarge(options.maxBodyBytes))
        const ticket = admission.admit(declared ?? 0)
        if (ticket === 'slots') return refuseUnread(429, OVER_CONCURRENCY, retryLater)
        if (ticket === 'bytes') return refuseUnread(429, OVER_BYTE_BUDGET, retryLater)
        try {
          let bytes: Uint8Array
          try {
            bytes = await readBody(c, {
              max: options.maxBodyBytes,
              deadlineMs: requestTimeoutMs,
              admit: (size) => admission.progress(ticket, size),
              preemptible: ticket,
            })
          } catch (error) {
            if (error instanceof BodyTooLarge) return refuse(413, tooLarge(options.maxBodyBytes))
            if (error instanceof BodyTimeout) {
              return refuse(
                408,
                `request body did not arrive within ${requestTimeoutMs / 1000} s (METAHOOKS_REQUEST_TIMEOUT_SECONDS)`,
              )
            }
            if (error instanceof OverBudget) return refuseUnread(429, OVER_BYTE_BUDGET, retryLater)
            if (error instanceof Preempted) return refuse(429, PREEMPTED, retryLater)
            if (error instanceof ClientGone) {
              // Nobody is left to answer; 499 (nginx's "client closed request") marks it in the log.
              line.error = error.message
              return finish(plain(c, 400, error.message), 499)
            }
            throw error
          }
          admission.arrived(ticket)
          return await answer(c, bytes, line, finish, refuse)
        } finally {
          admission.release(ticket)
        }
      })

      /** ETag, JSON, then the hook itself. */
      async function answer(
        c: Context,
        bytes: Uint8Array,
        line: Record<string, unknown>,
        finish: (r: Response) => Response,
        refuse: (status: number, message: string, headers?: Record<string, string>) => Response,
      ): Promise<Response> {
        // A clock-using hook answers per minute, so its ETag covers the minute as well.
        const now = options.clock?.() ?? new Date()
        const minute = hookTime(definition, now)
        const etag = await requestEtag(
          minute ? `${options.version}@${minute.toISOString()}` : options.version,
          path,
          bytes,
          options.sha256,
        )
        if (etagMatches(c.req.header('if-none-match'), etag)) {
          line.etag = 'hit'
          return finish(c.body(null, 304, { ETag: etag }))
        }

        let input: unknown
        try {
          input = JSON.parse(decoder.decode(bytes))
        } catch {
          // The parser's message quotes the body, which may hold secrets: keep it out.
          return refuse(400, 'request body is not valid JSON (UTF-8)')
        }

        const outcome = await runHook(definition, hook, input, {
          now,
          timeoutMs: options.hookTimeoutMs ?? 0,
        })
        const { cause, ...meta } = outcome.meta
        Object.assign(line, meta)
        if (!outcome.ok) {
          if (cause !== undefined) {
            line.cause = describeError(cause)
            if (cause instanceof Error && cause.stack) line.stack = cause.stack
          }
          // A 503 (over the time budget) is worth retrying soon.
          return refuse(
            outcome.status,
            outcome.message,
            outcome.status === 503 ? retryLater : undefined,
          )
        }
        return finish(c.body(outcome.body, 200, { 'Content-Type': 'application/json', ETag: etag }))
      }
    }
  }

  app.notFound((c) =>
    plain(
      c,
      404,
      `no route ${c.req.method} ${quote(c.req.path, 200)}; GET / lists the controllers`,
    ),
  )
  app.onError((error, c) => {
    log({ msg: 'unhandled error', path: describePath(c), status: 500, cause: describeError(error) })
    return plain(c, 500, 'internal error: see the hook server log')
  })
  return app
}
