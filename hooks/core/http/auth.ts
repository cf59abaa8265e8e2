import type { Context, MiddlewareHandler } from 'hono'
import { timingSafeEqual } from 'hono/utils/buffer'
import { toBase64 } from '../k8s/encoding.ts'
import type { Logger } from './log.ts'

export interface AuthConfig {
  /** Accepted `Authorization: <scheme> <token>`, as Metacontroller's webhook `authorization` sends it. */
  token?: { scheme: string; value: string }
  /** Accepted `Authorization: Basic …`, as Metacontroller's webhook `basicAuth` sends it. */
  basic?: { username: string; password: string }
  /** When no credentials are configured: serve anyway (Node default) or refuse (Workers default). */
  allowUnauthenticated: boolean
}

/**
 * Checks the Authorization header against every configured credential in constant time.
 * hono's bearer-auth is not used because it answers 400 to tokens outside the RFC 6750 token68
 * alphabet, while Metacontroller sends any Secret value verbatim.
 */
export function authMiddleware(config: AuthConfig): MiddlewareHandler {
  const expected: { scheme: string; credentials: string }[] = []
  if (config.token) expected.push({ scheme: config.token.scheme.toLowerCase(), credentials: config.token.value.trim() })
  if (config.basic) {
    expected.push({ scheme: 'basic', credentials: toBase64(`${config.basic.username.trim()}:${config.basic.password.trim()}`) })
  }
  const challenge = config.token ? `${config.token.scheme} realm="metahooks"` : 'Basic realm="metahooks"'

  return async (c, next) => {
    if (expected.length === 0) {
      if (config.allowUnauthenticated) return next()
      return c.text(
        'server refuses to serve without credentials: set METAHOOKS_AUTH_TOKEN or METAHOOKS_BASIC_USERNAME/PASSWORD, or METAHOOKS_ALLOW_UNAUTHENTICATED=true',
        503,
      )
    }
    const header = c.req.header('authorization')?.trim() ?? ''
    const space = header.indexOf(' ')
    const scheme = space < 0 ? '' : header.slice(0, space).toLowerCase()
    const credentials = space < 0 ? '' : header.slice(space + 1).trim()
    let ok = false
    for (const e of expected) {
      // Compare every configured credential so timing does not reveal which scheme matched.
      const match = await timingSafeEqual(e.credentials, credentials)
      ok = ok || (match && e.scheme === scheme)
    }
    if (!ok) return c.text('unauthorized', 401, { 'WWW-Authenticate': challenge })
    return next()
  }
}

export interface AccessOptions {
  auth: AuthConfig
  /** mTLS on Node: whether this request's connection presented a client certificate the CA signed. */
  clientCertificateVerified?: ((c: Context) => boolean) | undefined
  /** Paths anyone may reach (the probes). */
  open: ReadonlySet<string>
  log: Logger
}

/**
 * Who may call: the client certificate (mTLS) first, then the credentials. Each refusal is one
 * log line naming the path and the scheme offered, never the credentials. mTLS is checked here
 * rather than in the TLS handshake so the kubelet's probes, which present no certificate, still
 * reach the open paths.
 */
export function accessMiddleware(options: AccessOptions): MiddlewareHandler {
  const credentials = authMiddleware(options.auth)
  const refuse = (c: Context, status: number, reason: string, extra: Record<string, unknown> = {}) =>
    options.log({ msg: 'refused', path: c.req.path.slice(0, 200), status, reason, ...extra })
  return async (c, next) => {
    if (options.open.has(c.req.path)) return next()
    if (options.clientCertificateVerified && !options.clientCertificateVerified(c)) {
      refuse(c, 401, 'no client certificate signed by the configured CA')
      return c.text('a client certificate signed by the configured CA is required', 401)
    }
    const refused = await credentials(c, next)
    if (refused instanceof Response) {
      const scheme = c.req.header('authorization')?.trim().split(' ')[0]?.slice(0, 20) || 'none'
      refuse(c, refused.status, 'missing or wrong credentials', { scheme })
    }
    return refused
  }
}
