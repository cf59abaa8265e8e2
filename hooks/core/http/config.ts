import type { AuthConfig } from './auth.ts'

/** Settings read from the environment (Node: process.env; Workers: vars and secrets). */
export interface ServerConfig {
  auth: AuthConfig
  maxBodyBytes: number
  maxConcurrency: number
  /** Time a hook call may take before it is answered 503 (0 = no budget). */
  hookTimeoutMs: number
}

export type Env = Record<string, unknown>

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_CONCURRENCY = 64
/** Below Metacontroller's default webhook timeout (10 s), so our 503 arrives before its deadline. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 8

/** A set, non-empty string setting, or undefined. */
export function str(env: Env, name: string): string | undefined {
  const v = env[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  return Number(raw.trim())
}

/** A non-negative number of seconds (fractions allowed); a bad value names the variable. */
export function seconds(env: Env, name: string, fallback: number): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number of seconds, got ${JSON.stringify(raw)}`)
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
  if (username?.includes(':')) throw new Error('METAHOOKS_BASIC_USERNAME must not contain ":"')
  const scheme = str(env, 'METAHOOKS_AUTH_SCHEME') ?? 'Bearer'
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(scheme) || scheme.toLowerCase() === 'basic') {
    throw new Error('METAHOOKS_AUTH_SCHEME must be a single HTTP auth scheme token other than Basic')
  }
  const auth: AuthConfig = {
    allowUnauthenticated: requireAuth ? bool(env, 'METAHOOKS_ALLOW_UNAUTHENTICATED') : true,
  }
  if (token) auth.token = { scheme, value: token }
  if (username && password) auth.basic = { username, password }
  return {
    auth,
    maxBodyBytes: nonNegativeInt(env, 'METAHOOKS_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
    maxConcurrency: nonNegativeInt(env, 'METAHOOKS_MAX_CONCURRENCY', DEFAULT_MAX_CONCURRENCY),
    hookTimeoutMs: seconds(env, 'METAHOOKS_HOOK_TIMEOUT_SECONDS', DEFAULT_HOOK_TIMEOUT_SECONDS) * 1000,
  }
}
