import { describe, expect, it } from 'vitest'
import {
  configFromEnv,
  DEFAULT_HOOK_TIMEOUT_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_BYTES_IN_FLIGHT,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
} from '../../hooks/core/http/config.ts'
import { httpsOptions, tlsFilesFromEnv } from '../../hooks/core/http/tls.ts'

describe('server settings from the environment', () => {
  it("defaults: open on Node, 16 MiB bodies and 16 MiB in flight, 64 calls at once, an 8 s budget below Metacontroller's 10 s, 10 s for a body", () => {
    expect(configFromEnv({}, { requireAuth: false })).toEqual({
      auth: { allowUnauthenticated: true },
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxBytesInFlight: DEFAULT_MAX_BYTES_IN_FLIGHT,
      maxConcurrency: DEFAULT_MAX_CONCURRENCY,
      hookTimeoutMs: DEFAULT_HOOK_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_SECONDS * 1000,
      metricsOpen: false,
    })
    expect(DEFAULT_HOOK_TIMEOUT_SECONDS).toBeLessThan(10)
    expect(DEFAULT_REQUEST_TIMEOUT_SECONDS).toBeLessThanOrEqual(10)
    expect(DEFAULT_MAX_BYTES_IN_FLIGHT).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES)
  })

  it.each([
    {
      name: 'fractional budget',
      env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '2.5' },
      expected: { hookTimeoutMs: 2500 },
    },
    {
      name: 'budget off',
      env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '0' },
      expected: { hookTimeoutMs: 0 },
    },
    {
      name: 'custom scheme',
      env: { METAHOOKS_AUTH_TOKEN: 't', METAHOOKS_AUTH_SCHEME: 'Token' },
      expected: { auth: { allowUnauthenticated: true, token: { scheme: 'Token', value: 't' } } },
    },
    {
      name: 'Workers refuse without credentials unless allowed',
      env: {},
      requireAuth: true,
      expected: { auth: { allowUnauthenticated: false } },
    },
    {
      name: 'request deadline off',
      env: { METAHOOKS_REQUEST_TIMEOUT_SECONDS: '0' },
      expected: { requestTimeoutMs: 0 },
    },
    {
      name: 'request deadline of an hour, the most',
      env: { METAHOOKS_REQUEST_TIMEOUT_SECONDS: '3600' },
      expected: { requestTimeoutMs: 3_600_000 },
    },
    {
      name: 'no byte budget',
      env: { METAHOOKS_MAX_BYTES_IN_FLIGHT: '0' },
      expected: { maxBytesInFlight: 0 },
    },
    {
      name: 'a larger body limit raises the default budget with it',
      env: { METAHOOKS_MAX_BODY_BYTES: String(32 * 1024 * 1024) },
      expected: { maxBodyBytes: 32 * 1024 * 1024, maxBytesInFlight: 32 * 1024 * 1024 },
    },
    {
      name: 'credentials kept as configured (trimmed only where Metacontroller trims, when compared)',
      env: { METAHOOKS_BASIC_USERNAME: ' mc ', METAHOOKS_BASIC_PASSWORD: 'pw\n' },
      expected: {
        auth: { allowUnauthenticated: true, basic: { username: ' mc ', password: 'pw\n' } },
      },
    },
  ])('$name', ({ env, expected, requireAuth = false }) => {
    expect(configFromEnv(env, { requireAuth })).toMatchObject(expected)
  })

  it.each([
    {
      env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: 'soon' },
      error:
        /METAHOOKS_HOOK_TIMEOUT_SECONDS must be 0 \(no budget\) or a number of seconds from 0.001 to 3600, got "soon"/,
    },
    { env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '-1' }, error: /METAHOOKS_HOOK_TIMEOUT_SECONDS/ },
    {
      env: { METAHOOKS_MAX_CONCURRENCY: '1.5' },
      error: /METAHOOKS_MAX_CONCURRENCY must be an integer from 0 \(no limit\) to 2147483647/,
    },
    { env: { METAHOOKS_MAX_BODY_BYTES: 'big' }, error: /METAHOOKS_MAX_BODY_BYTES/ },
    { env: { METAHOOKS_BASIC_USERNAME: 'mc' }, error: /must be set together/ },
    {
      env: { METAHOOKS_BASIC_USERNAME: 'a:b', METAHOOKS_BASIC_PASSWORD: 'p' },
      error: /must not contain ":"/,
    },
    {
      env: { METAHOOKS_AUTH_TOKEN: 't', METAHOOKS_AUTH_SCHEME: 'Basic' },
      error: /METAHOOKS_AUTH_SCHEME/,
    },
    {
      env: { METAHOOKS_ALLOW_UNAUTHENTICATED: 'yes' },
      requireAuth: true,
      error: /METAHOOKS_ALLOW_UNAUTHENTICATED must be true or false/,
    },
    {
      env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '2200000' },
      error:
        /METAHOOKS_HOOK_TIMEOUT_SECONDS must be 0 \(no budget\) or a number of seconds from 0.001 to 3600, got "2200000"/,
    },
    {
      env: { METAHOOKS_REQUEST_TIMEOUT_SECONDS: '0.0001' },
      error:
        /METAHOOKS_REQUEST_TIMEOUT_SECONDS must be 0 \(no limit\) or a number of seconds from 0.001 to 3600/,
    },
    {
      env: { METAHOOKS_REQUEST_TIMEOUT_SECONDS: 'Infinity' },
      error: /METAHOOKS_REQUEST_TIMEOUT_SECONDS/,
    },
    {
      env: { METAHOOKS_MAX_BODY_BYTES: '0' },
      error: /METAHOOKS_MAX_BODY_BYTES must be an integer from 1 to 268435456, got "0"/,
    },
    {
      env: { METAHOOKS_MAX_BODY_BYTES: String(512 * 1024 * 1024) },
      error: /METAHOOKS_MAX_BODY_BYTES must be an integer from 1 to 268435456/,
    },
    {
      env: { METAHOOKS_MAX_BODY_BYTES: '1000', METAHOOKS_MAX_BYTES_IN_FLIGHT: '999' },
      error:
        /METAHOOKS_MAX_BYTES_IN_FLIGHT must be 0 \(no budget\) or at least METAHOOKS_MAX_BODY_BYTES \(1000\)/,
    },
    {
      env: { METAHOOKS_MAX_BYTES_IN_FLIGHT: 'lots' },
      error: /METAHOOKS_MAX_BYTES_IN_FLIGHT must be an integer/,
    },
    {
      env: { METAHOOKS_AUTH_TOKEN: 'tok\nen' },
      error: /METAHOOKS_AUTH_TOKEN contains a control character, which no HTTP header can carry/,
    },
    { env: { METAHOOKS_AUTH_TOKEN: ' \n' }, error: /METAHOOKS_AUTH_TOKEN is only whitespace/ },
    {
      env: { METAHOOKS_BASIC_USERNAME: ' ', METAHOOKS_BASIC_PASSWORD: 'p' },
      error: /METAHOOKS_BASIC_USERNAME is only whitespace/,
    },
  ])('refuses $env, naming the variable', ({ env, error, requireAuth = false }) => {
    expect(() => configFromEnv(env, { requireAuth })).toThrow(error)
  })
})

describe('TLS settings', () => {
  it.each([
    { name: 'none: plain HTTP', env: {}, expected: undefined },
    {
      name: 'cert and key: HTTPS',
      env: { METAHOOKS_TLS_CERT_FILE: '/c', METAHOOKS_TLS_KEY_FILE: '/k' },
      expected: { cert: '/c', key: '/k' },
    },
    {
      name: 'with a client CA: mTLS',
      env: {
        METAHOOKS_TLS_CERT_FILE: '/c',
        METAHOOKS_TLS_KEY_FILE: '/k',
        METAHOOKS_TLS_CLIENT_CA_FILE: '/ca',
      },
      expected: { cert: '/c', key: '/k', clientCa: '/ca' },
    },
  ])('$name', ({ env, expected }) => {
    expect(tlsFilesFromEnv(env)).toEqual(expected)
  })

  it.each([
    {
      env: { METAHOOKS_TLS_CERT_FILE: '/c' },
      error: /METAHOOKS_TLS_CERT_FILE and METAHOOKS_TLS_KEY_FILE must be set together/,
    },
    {
      env: { METAHOOKS_TLS_CLIENT_CA_FILE: '/ca' },
      error: /METAHOOKS_TLS_CLIENT_CA_FILE needs METAHOOKS_TLS_CERT_FILE/,
    },
  ])('refuses $env', ({ env, error }) => {
    expect(() => tlsFilesFromEnv(env)).toThrow(error)
  })

  it('an unreadable file is named with its variable', () => {
    expect(() =>
      httpsOptions({ cert: '/nonexistent/tls.crt', key: '/nonexistent/tls.key' }),
    ).toThrow('METAHOOKS_TLS_CERT_FILE: cannot read /nonexistent/tls.crt: ENOENT')
  })
})
