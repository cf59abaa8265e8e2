import type { AuthConfig } from './auth.ts'
import { credentialProblem } from './auth.ts'

/** Settings read from the environment (Node: process.env; Workers: vars and secrets). */
export interface ServerConfig {
  auth: AuthConfig
  maxBodyBytes: number
  /** Bytes of request bodies admitted at once (declared or read so far); past it, 429. 0 = no budget. */
  maxBytesInFlight: number
  maxConcurrency: number
  /** Time a hook call may take before it is answered 503 (0 = no budget). */
  hookTimeoutMs: number
  /** Time a request's body has to arrive once its headers have; past it, 408 (0 = no limit). */
  requestTimeoutMs: number
  /** GET /metrics without credentials (Node only; the Worker serves no metrics). */
  metricsOpen: boolean
}

export type Env = Record<string, unknown>

const MiB = 1024 * 1024
/**
 * Body size and bytes in flight are chosen with the Deployment's memory (SERVER_MEMORY): the worst
 * legal body measured costs ~42 bytes of memory per byte at its peak (an array of `{}` where the
 * schema wants objects with fields), so 16 MiB in flight stays well under the 1 GiB limit
 * (README, RELIABILITY.md).
 */
export const DEFAULT_MAX_BODY_BYTES = 16 * MiB
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 16 * MiB
/**
 * The shipped Deployment's memory, chosen with the two defaults above (`npm run memory` measures
 * them): the limit; the request (the idle server uses ~110 MiB, ~150 MiB under steady load); and
 * V8's old-space cap, without which V8 lets garbage from earlier large requests grow the heap past
 * any limit before it collects (a sequence of 16 MiB bodies reached 1.8 GiB). The cap sits well
 * above the most a full budget keeps alive (~500 MiB for 16 MiB of `{}`), and the limit above the
 * cap plus what lives outside the heap.
 */
export const SERVER_MEMORY = { limit: '1Gi', request: '192Mi', maxOldSpaceMiB: 640 } as const
/** A JavaScript string holds at most 2^29 - 24 characters; a body must fit one to be parsed. */
export const MAX_BODY_BYTES_LIMIT = 256 * MiB
export const DEFAULT_MAX_CONCURRENCY = 64
/** Below Metacontroller's default webhook timeout (10 s), so our 503 arrives before its deadline. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 8
/** Metacontroller abandons the whole exchange after 10 s by default: a body still arriving then is of no use. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 10
/** Every duration setting: 0, or from 1 ms to an hour (Node's timers overflow past 24.8 days and fire at once). */
export const MAX_DURATION_SECONDS = 3600

/** A set, non-empty string setting, or undefined. */
export function str(env: Env, name: string): string | undefined {
  const v = env[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** An integer setting within [min, max]; a bad value throws naming the variable and the range. */
export function integer(
  env: Env,
  name: string,
  fallback: number,
  { min = 0, max = 2 ** 31 - 1, range }: { min?: number; max?: number; range?: string } = {},
): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN
  if (!(n >= min && n <= max))
    throw new Error(
      `${name} must be an integer ${range ?? `from ${min} to ${max}`}, got ${JSON.stringify(raw)}`,
    )
  return n
}

/**
 * A duration in seconds (fractions allowed): 0, or from 0.001 to MAX_DURATION_SECONDS. `zero` says
 * what 0 means for this setting, for the message. A bad value throws naming the variable and the range.
 */
export function seconds(env: Env, name: string, fallback: number, zero: string): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  const n = raw.trim() === '' ? NaN : Number(raw)
  if (!(n === 0 || (n >= 0.001 && n <= MAX_DURATION_SECONDS))) {
    throw new Error(
      `${name} must be 0 (${zero}) or a number of seconds from 0.001 to ${MAX_DURATION_SECONDS}, got ${JSON.stringify(raw)}`,
    )
  }
  return n
}

function bool(env: Env, name: string): boolean {
  const raw = str(env, name)
  if (raw === undefined) return false
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

/**
 * Reads and validates the server settings; a bad value throws an error naming the variable.
 * `requireAuth` is the Workers rule: a public endpoint refuses to serve without credentials
 * unless METAHOOKS_ALLOW_UNAUTHENTICATED=true.
 */
export function configFromEnv(env: Env, { requireAuth }: { requireAuth: boolean }): ServerConfig {
  const token = str(env, 'METAHOOKS_AUTH_TOKEN')
  const username = str(env, 'METAHOOKS_BASIC_USERNAME')
  const password = str(env, 'METAHOOKS_BASIC_PASSWORD')
  if ((username === undefined) !== (password === undefined)) {
    throw new Error('METAHOOKS_BASIC_USERNAME and METAHOOKS_BASIC_PASSWORD must be set together')
  }
  const scheme = str(env, 'METAHOOKS_AUTH_SCHEME') ?? 'Bearer'
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(scheme) || scheme.toLowerCase() === 'basic') {
    throw new Error(
      'METAHOOKS_AUTH_SCHEME must be a single HTTP auth scheme token other than Basic',
    )
  }
  for (const [name, value] of [
    ['METAHOOKS_AUTH_TOKEN', token],
    ['METAHOOKS_BASIC_USERNAME', username],
    ['METAHOOKS_BASIC_PASSWORD', password],
  ] as const) {
    const problem = value === undefined ? undefined : credentialProblem(name, value)
    if (problem) throw new Error(problem)
  }
  const auth: AuthConfig = {
    allowUnauthenticated: requireAuth ? bool(env, 'METAHOOKS_ALLOW_UNAUTHENTICATED') : true,
  }
  if (token) auth.token = { scheme, value: token }
  if (username && password) auth.basic = { username, password }
  const maxBodyBytes = integer(env, 'METAHOOKS_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, {
    min: 1,
    max: MAX_BODY_BYTES_LIMIT,
  })
  const maxBytesInFlight = integer(
    env,
    'METAHOOKS_MAX_BYTES_IN_FLIGHT',
    Math.max(DEFAULT_MAX_BYTES_IN_FLIGHT, maxBodyBytes),
    {
      max: Number.MAX_SAFE_INTEGER,
    },
  )
  if (maxBytesInFlight !== 0 && maxBytesInFlight < maxBodyBytes) {
    throw new Error(
      `METAHOOKS_MAX_BYTES_IN_FLIGHT must be 0 (no budget) or at least METAHOOKS_MAX_BODY_BYTES (${maxBodyBytes}), got ${maxBytesInFlight}: a body of the largest size allowed could never be admitted`,
    )
  }
  return {
    auth,
    maxBodyBytes,
    maxBytesInFlight,
    maxConcurrency: integer(env, 'METAHOOKS_MAX_CONCURRENCY', DEFAULT_MAX_CONCURRENCY, {
      range: 'from 0 (no limit) to 2147483647',
    }),
    hookTimeoutMs:
      seconds(env, 'METAHOOKS_HOOK_TIMEOUT_SECONDS', DEFAULT_HOOK_TIMEOUT_SECONDS, 'no budget') *
      1000,
    requestTimeoutMs:
      seconds(
        env,
        'METAHOOKS_REQUEST_TIMEOUT_SECONDS',
        DEFAULT_REQUEST_TIMEOUT_SECONDS,
        'no limit',
      ) * 1000,
    metricsOpen: bool(env, 'METAHOOKS_METRICS_OPEN'),
  }
}
