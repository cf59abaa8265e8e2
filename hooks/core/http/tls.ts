import { readFileSync, unwatchFile, watchFile } from 'node:fs'
import type { Server, ServerOptions } from 'node:https'
import type { Context } from 'hono'
import { nodeIncoming } from './body.ts'
import { describeError, type Logger } from './log.ts'
import { str, type Env } from './config.ts'

/**
 * Optional HTTPS and mTLS for the Node server, from PEM files (a mounted kubernetes.io/tls Secret):
 *   METAHOOKS_TLS_CERT_FILE + METAHOOKS_TLS_KEY_FILE   serve HTTPS
 *   METAHOOKS_TLS_CLIENT_CA_FILE                       also require a client certificate signed by this CA
 * Metacontroller (4.16+) verifies us with a webhook `caBundle` and presents `clientTLS`; its own
 * transport asks for TLS 1.2 at least, and so do we.
 */
export interface TlsFiles {
  cert: string
  key: string
  clientCa?: string
}

/** The TLS files the environment names; undefined for plain HTTP. Inconsistent settings throw, naming them. */
export function tlsFilesFromEnv(env: Env): TlsFiles | undefined {
  const cert = str(env, 'METAHOOKS_TLS_CERT_FILE')
  const key = str(env, 'METAHOOKS_TLS_KEY_FILE')
  const clientCa = str(env, 'METAHOOKS_TLS_CLIENT_CA_FILE')
  if ((cert === undefined) !== (key === undefined))
    throw new Error('METAHOOKS_TLS_CERT_FILE and METAHOOKS_TLS_KEY_FILE must be set together')
  if (cert === undefined || key === undefined) {
    if (clientCa !== undefined)
      throw new Error(
        'METAHOOKS_TLS_CLIENT_CA_FILE needs METAHOOKS_TLS_CERT_FILE and METAHOOKS_TLS_KEY_FILE (mTLS is HTTPS with client certificates)',
      )
    return undefined
  }
  return clientCa === undefined ? { cert, key } : { cert, key, clientCa }
}

function read(file: string, variable: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new Error(
      `${variable}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

/** True when the request's TLS connection presented a client certificate the configured CA signed. */
export function socketAuthorized(c: Context): boolean {
  return nodeIncoming(c)?.socket?.authorized === true
}

/** node:https server options for the files: the key material is read now, once. */
export function httpsOptions(files: TlsFiles): ServerOptions {
  const options: ServerOptions = {
    cert: read(files.cert, 'METAHOOKS_TLS_CERT_FILE'),
    key: read(files.key, 'METAHOOKS_TLS_KEY_FILE'),
    minVersion: 'TLSv1.2',
  }
  if (files.clientCa) {
    options.ca = read(files.clientCa, 'METAHOOKS_TLS_CLIENT_CA_FILE')
    // Ask for a certificate but let the connection through: the app refuses hook calls without a
    // verified one (socketAuthorized) while probes, which present none, can still reach /healthz.
    options.requestCert = true
    options.rejectUnauthorized = false
  }
  return options
}

/**
 * Certificates rotate (cert-manager renews them in the mounted Secret): when a file changes, the
 * server takes the new material for new connections. A broken renewal is logged and the current
 * certificate stays in use. Returns a function that stops watching.
 */
export function reloadOnChange(
  files: TlsFiles,
  server: Server,
  log: Logger,
  intervalMs = 30_000,
): () => void {
  const watched = [files.cert, files.key, ...(files.clientCa ? [files.clientCa] : [])]
  const reload = () => {
    try {
      server.setSecureContext(httpsOptions(files))
      log({ msg: 'tls reloaded', files: watched })
    } catch (error) {
      log({
        msg: 'tls reload failed; keeping the current certificate',
        cause: describeError(error),
      })
    }
  }
  for (const file of watched) watchFile(file, { interval: intervalMs, persistent: false }, reload)
  return () => {
    for (const file of watched) unwatchFile(file, reload)
  }
}
