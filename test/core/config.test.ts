import { describe, expect, it } from 'vitest'
import { configFromEnv, DEFAULT_HOOK_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENCY } from '../../hooks/core/http/config.ts'
import { httpsOptions, tlsFilesFromEnv } from '../../hooks/core/http/tls.ts'

describe('server settings from the environment', () => {
  it('defaults: open on Node, 64 MiB bodies, 64 in flight, an 8 s budget below Metacontroller\'s 10 s', () => {
    expect(configFromEnv({}, { requireAuth: false })).toEqual({
      auth: { allowUnauthenticated: true },
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxConcurrency: DEFAULT_MAX_CONCURRENCY,
      hookTimeoutMs: DEFAULT_HOOK_TIMEOUT_SECONDS * 1000,
    })
    expect(DEFAULT_HOOK_TIMEOUT_SECONDS).toBeLessThan(10)
  })

  it.each([
    { name: 'fractional budget', env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '2.5' }, expected: { hookTimeoutMs: 2500 } },
    { name: 'budget off', env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '0' }, expected: { hookTimeoutMs: 0 } },
    { name: 'custom scheme', env: { METAHOOKS_AUTH_TOKEN: 't', METAHOOKS_AUTH_SCHEME: 'Token' }, expected: { auth: { allowUnauthenticated: true, token: { scheme: 'Token', value: 't' } } } },
    { name: 'Workers refuse without credentials unless allowed', env: {}, requireAuth: true, expected: { auth: { allowUnauthenticated: false } } },
  ])('$name', ({ env, expected, requireAuth = false }) => {
    expect(configFromEnv(env, { requireAuth })).toMatchObject(expected)
  })

  it.each([
    { env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: 'soon' }, error: /METAHOOKS_HOOK_TIMEOUT_SECONDS must be a non-negative number of seconds, got "soon"/ },
    { env: { METAHOOKS_HOOK_TIMEOUT_SECONDS: '-1' }, error: /METAHOOKS_HOOK_TIMEOUT_SECONDS/ },
    { env: { METAHOOKS_MAX_CONCURRENCY: '1.5' }, error: /METAHOOKS_MAX_CONCURRENCY must be a non-negative integer/ },
    { env: { METAHOOKS_MAX_BODY_BYTES: 'big' }, error: /METAHOOKS_MAX_BODY_BYTES/ },
    { env: { METAHOOKS_BASIC_USERNAME: 'mc' }, error: /must be set together/ },
    { env: { METAHOOKS_BASIC_USERNAME: 'a:b', METAHOOKS_BASIC_PASSWORD: 'p' }, error: /must not contain ":"/ },
    { env: { METAHOOKS_AUTH_TOKEN: 't', METAHOOKS_AUTH_SCHEME: 'Basic' }, error: /METAHOOKS_AUTH_SCHEME/ },
    { env: { METAHOOKS_ALLOW_UNAUTHENTICATED: 'yes' }, requireAuth: true, error: /METAHOOKS_ALLOW_UNAUTHENTICATED must be true or false/ },
  ])('refuses $env, naming the variable', ({ env, error, requireAuth = false }) => {
    expect(() => configFromEnv(env, { requireAuth })).toThrow(error)
  })
})

describe('TLS settings', () => {
  it.each([
    { name: 'none: plain HTTP', env: {}, expected: undefined },
    { name: 'cert and key: HTTPS', env: { METAHOOKS_TLS_CERT_FILE: '/c', METAHOOKS_TLS_KEY_FILE: '/k' }, expected: { cert: '/c', key: '/k' } },
    {
      name: 'with a client CA: mTLS',
      env: { METAHOOKS_TLS_CERT_FILE: '/c', METAHOOKS_TLS_KEY_FILE: '/k', METAHOOKS_TLS_CLIENT_CA_FILE: '/ca' },
      expected: { cert: '/c', key: '/k', clientCa: '/ca' },
    },
  ])('$name', ({ env, expected }) => {
    expect(tlsFilesFromEnv(env)).toEqual(expected)
  })

  it.each([
    { env: { METAHOOKS_TLS_CERT_FILE: '/c' }, error: /METAHOOKS_TLS_CERT_FILE and METAHOOKS_TLS_KEY_FILE must be set together/ },
    { env: { METAHOOKS_TLS_CLIENT_CA_FILE: '/ca' }, error: /METAHOOKS_TLS_CLIENT_CA_FILE needs METAHOOKS_TLS_CERT_FILE/ },
  ])('refuses $env', ({ env, error }) => {
    expect(() => tlsFilesFromEnv(env)).toThrow(error)
  })

  it('an unreadable file is named with its variable', () => {
    expect(() => httpsOptions({ cert: '/nonexistent/tls.crt', key: '/nonexistent/tls.key' })).toThrow('METAHOOKS_TLS_CERT_FILE: cannot read /nonexistent/tls.crt: ENOENT')
  })
})
