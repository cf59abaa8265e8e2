import type { Context, MiddlewareHandler } from 'hono'
import { timingSafeEqual } from 'hono/utils/buffer'
import { toBase64 } from '../k8s/encoding.ts'
import { nodeIncoming } from './body.ts'
import type { Logger } from './log.ts'

export interface AuthConfig {
  /** Accepted `Authorization: <scheme> <token>`, as Metacontroller's webhook `authorization` sends it. */
  token?: { scheme: string; value: string }
  /** Accepted `Authorization: Basic …`, as Metacontroller's webhook `basicAuth` sends it. */
  basic?: { username: string; password: string }
  /** When no credentials are configured: serve anyway (Node default) or refuse (Workers default). */
  allowUnauthenticated: boolean
}

// The rule (README, "Credentials"): a request is let in when its Authorization header carries, byte
// for byte, what Metacontroller sends for the configured Secret values. Metacontroller trims each
// Secret value with Go's strings.TrimSpace and sends the UTF-8 bytes of
// `<scheme> <trimmed token>` or `Basic base64(<trimmed user>:<trimmed password>)`
// (pkg/hooks/auth.go). A Basic header built from the untrimmed values (what Go's SetBasicAuth or
// curl -u sends for the same Secret) is accepted too. Nothing else is trimmed or re-encoded.

const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g')

/** Go's strings.TrimSpace (Unicode White_Space plus U+0085; unlike String.prototype.trim, not U+FEFF). */
export function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM, '')
}

/** The UTF-8 bytes of `text` as a string of one character per byte: how HTTP header values reach JavaScript. */
export function byteString(text: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte)
  return out
}

/** A credential setting no client could send, or that Metacontroller refuses, named; undefined when usable. */
export function credentialProblem(variable: string, value: string): string | undefined {
  const trimmed = goTrimSpace(value)
  if (trimmed === '') return `${variable} is only whitespace`
  // HTTP header values cannot carry control characters (HTAB aside); Basic credentials are base64, so any byte goes there.
  if (variable === 'METAHOOKS_AUTH_TOKEN' && /[\u0000-\u0008\u000a-\u001f\u007f]/.test(trimmed)) {
    return `${variable} contains a control character, which no HTTP header can carry`
  }
  if (variable === 'METAHOOKS_BASIC_USERNAME' && trimmed.includes(':'))
    return `${variable} must not contain ":"`
  return undefined
}

/** `Authorization` values that are let in, as byte strings (scheme compared case-insensitively). */
function acceptedCredentials(config: AuthConfig): { scheme: string; credentials: string }[] {
  const accepted: { scheme: string; credentials: string }[] = []
  if (config.token)
    accepted.push({
      scheme: config.token.scheme.toLowerCase(),
      credentials: byteString(goTrimSpace(config.token.value)),
    })
  if (config.basic) {
    const { username, password } = config.basic
    const forms = new Set([
      `${goTrimSpace(username)}:${goTrimSpace(password)}`,
      `${username}:${password}`,
    ])
    for (const form of forms) accepted.push({ scheme: 'basic', credentials: toBase64(form) })
  }
  return accepted
}

/**
 * The Authorization header's bytes, one character per byte. Node hands header values over that way
 * (latin1); fetch runtimes (workerd) decode them as UTF-8, so they are encoded back. Only the
 * header's own surrounding whitespace goes (not part of a field value, RFC 9110 §5.5).
 */
function authorizationBytes(c: Context): string {
  const header = (c.req.header('authorization') ?? '').replace(/^[ \t]+|[ \t]+$/g, '')
  return nodeIncoming(c) ? header : byteString(header)
}

/** `<scheme> 1*SP <credentials>` of an Authorization header (RFC 9110 §11.4), or undefined. */
function splitAuthorization(header: string): { scheme: string; credentials: string } | undefined {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(.*)$/s.exec(header)
  return match ? { scheme: match[1]!.toLowerCase(), credentials: match[2]! } : undefined
}

/**
 * Checks the Authorization header against every accepted credential in constant time.
 * hono's bearer-auth is not used because it answers 400 to tokens outside the RFC 6750 token68
 * alphabet, while Metacontroller sends any Secret value verbatim.
 */
export function authMiddleware(config: AuthConfig): MiddlewareHandler {
  const accepted = acceptedCredentials(config)
  const challenge = config.token
    ? `${config.token.scheme} realm="metahooks"`
    : 'Basic realm="metahooks"'

  return async (c, next) => {
    if (accepted.length === 0) {
      if (config.allowUnauthenticated) return next()
      return c.text(
        'server refuses to serve without credentials: set METAHOOKS_AUTH_TOKEN or METAHOOKS_BASIC_USERNAME/PASSWORD, or METAHOOKS_ALLOW_UNAUTHENTICATED=true',
        503,
      )
    }
    const offered = splitAuthorization(authorizationBytes(c)) ?? { scheme: '', credentials: '' }
    let ok = false
    for (const a of accepted) {
      // Compare every accepted credential so timing does not reveal which scheme matched.
      const match = await timingSafeEqual(a.credentials, offered.credentials)
      ok = ok || (match && a.scheme === offered.scheme)
    }
    if (!ok) return c.text('unauthorized', 401, { 'WWW-Authenticate': challenge })
    return next()
  }
}

/** Registered HTTP authentication schemes (IANA), the only first words of a refused header that are logged. */
const REGISTERED_SCHEMES = new Set([
  'basic',
  'bearer',
  'concealed',
  'digest',
  'dpop',
  'gnap',
  'hoba',
  'mutual',
  'negotiate',
  'oauth',
  'privatetoken',
  'scram-sha-1',
  'scram-sha-256',
  'vapid',
])

/**
 * What a refused request offered, safe to log: `none`; the scheme when the header is a scheme of
 * the auth grammar followed by one space, and that scheme is registered or the configured one;
 * `unregistered` for another well-formed scheme (it could be a secret someone sent without a
 * scheme); `malformed` for anything else. Never any part of the credentials.
 */
export function offeredScheme(header: string | undefined, configured?: string): string {
  if (header === undefined || header === '') return 'none'
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) [^ ]/.exec(header)
  if (!match) return 'malformed'
  const scheme = match[1]!
  const lower = scheme.toLowerCase()
  return REGISTERED_SCHEMES.has(lower) || lower === configured?.toLowerCase()
    ? scheme
    : 'unregistered'
}

export interface AccessOptions {
  auth: AuthConfig
  /** mTLS on Node: whether this request's connection presented a client certificate the CA signed. */
  clientCertificateVerified?: ((c: Context) => boolean) | undefined
  /** Paths anyone may reach (the probes). */
  open: ReadonlySet<string>
  log: Logger
  /** The request path as it may appear in a log line (clipped and escaped). */
  describePath: (c: Context) => string
}

/**
 * Who may call: the client certificate (mTLS) first, then the credentials. Each refusal is one
 * log line naming the path and the scheme offered, never the credentials. mTLS is checked here
 * rather than in the TLS handshake so the kubelet's probes, which present no certificate, still
 * reach the open paths.
 */
export function accessMiddleware(options: AccessOptions): MiddlewareHandler {
  const credentials = authMiddleware(options.auth)
  const refuse = (
    c: Context,
    status: number,
    reason: string,
    extra: Record<string, unknown> = {},
  ) => options.log({ msg: 'refused', path: options.describePath(c), status, reason, ...extra })
  return async (c, next) => {
    if (options.open.has(c.req.path)) return next()
    if (options.clientCertificateVerified && !options.clientCertificateVerified(c)) {
      refuse(c, 401, 'no client certificate signed by the configured CA')
      return c.text('a client certificate signed by the configured CA is required', 401)
    }
    const refused = await credentials(c, next)
    if (refused instanceof Response) {
      refuse(c, refused.status, 'missing or wrong credentials', {
        scheme: offeredScheme(c.req.header('authorization'), options.auth.token?.scheme),
      })
    }
    return refused
  }
}
