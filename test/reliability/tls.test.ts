import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ROOT,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../fixtures/server.ts'
import {
  certificateAuthority,
  removePems,
  writePems,
  type Authority,
  type Issued,
} from '../fixtures/pki.ts'

// HTTPS and mTLS on the real Node server (`npm start`), with certificates generated for this run.

const body = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)

interface Reply {
  status: number
  text: string
}

function call(url: string, path: string, tls: RequestOptions, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${url}${path}`,
      { method, headers: { 'Content-Type': 'application/json' }, ...tls },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    req.end(method === 'POST' ? body : undefined)
  })
}

let ca: Authority
let otherCa: Authority
let serverCert: Issued
afterAll(removePems)
beforeAll(async () => {
  ca = await certificateAuthority('metahooks test CA')
  otherCa = await certificateAuthority('someone else')
  serverCert = await ca.issue('metahooks.metahooks.svc', 'server')
})

describe('HTTPS (METAHOOKS_TLS_CERT_FILE + METAHOOKS_TLS_KEY_FILE)', () => {
  let server: ServerProcess
  beforeAll(async () => {
    const files = writePems({ 'tls.crt': serverCert.cert, 'tls.key': serverCert.key })
    server = await startServerProcess({
      METAHOOKS_TLS_CERT_FILE: files['tls.crt']!,
      METAHOOKS_TLS_KEY_FILE: files['tls.key']!,
    })
  })
  afterAll(() => {
    server.child.kill('SIGKILL')
  })

  it('listens on https and says so', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(server.logs.find((l) => l.msg === 'listening')).toMatchObject({ tls: 'https' })
  })

  it('a client that trusts the CA gets the sync response', async () => {
    const reply = await call(server.url, '/mypod/sync', { ca: ca.cert })
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.text).children).toHaveLength(1)
  })

  it.each([
    {
      name: 'a client that does not trust the CA',
      tls: {},
      error: /self[- ]signed|unable to (get|verify)/i,
    },
    {
      name: 'a client that only speaks TLS 1.1',
      tls: { maxVersion: 'TLSv1.1' as const, minVersion: 'TLSv1' as const },
      error: /protocol|version|alert|handshake|no protocols/i,
    },
  ])('refuses $name', async ({ tls, error }) => {
    await expect(
      call(server.url, '/mypod/sync', {
        ca: ca.cert,
        ...tls,
        ...(Object.keys(tls).length === 0 && { ca: undefined }),
      }),
    ).rejects.toThrow(error)
  })

  it('plain HTTP to the HTTPS port gets no hook response', async () => {
    const plain = server.url.replace('https:', 'http:')
    const outcome = await fetch(`${plain}/mypod/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    }).then(
      (res) => res.status,
      () => 'refused',
    )
    expect(outcome).not.toBe(200)
  })
})

describe('mTLS (METAHOOKS_TLS_CLIENT_CA_FILE)', () => {
  let server: ServerProcess
  let client: Issued
  let stranger: Issued
  beforeAll(async () => {
    client = await ca.issue('metacontroller', 'client')
    stranger = await otherCa.issue('metacontroller', 'client')
    const files = writePems({
      'tls.crt': serverCert.cert,
      'tls.key': serverCert.key,
      'ca.crt': ca.cert,
    })
    server = await startServerProcess({
      METAHOOKS_TLS_CERT_FILE: files['tls.crt']!,
      METAHOOKS_TLS_KEY_FILE: files['tls.key']!,
      METAHOOKS_TLS_CLIENT_CA_FILE: files['ca.crt']!,
    })
  })
  afterAll(() => {
    server.child.kill('SIGKILL')
  })

  it('a client certificate signed by the CA is served', async () => {
    const reply = await call(server.url, '/mypod/sync', {
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
    })
    expect(reply.status).toBe(200)
    expect(server.logs.find((l) => l.msg === 'listening')).toMatchObject({ tls: 'mtls' })
    // Log lines are written in batches: wait for this call's before the next test counts lines.
    await expect
      .poll(() => server.logs.some((l) => l.msg === 'hook' && l.status === 200))
      .toBe(true)
  })

  it.each([
    { name: 'no client certificate', tls: () => ({ ca: ca.cert }) },
    {
      name: 'a certificate from another CA',
      tls: () => ({ ca: ca.cert, cert: stranger.cert, key: stranger.key }),
    },
  ])('$name: 401 and one log line, no hook runs', async ({ tls }) => {
    const before = server.logs.length
    const reply = await call(server.url, '/mypod/sync', tls())
    expect(reply.status).toBe(401)
    expect(reply.text).toMatch(/client certificate/)
    await expect
      .poll(() => server.logs.slice(before).filter((l) => l.msg === 'refused'))
      .toHaveLength(1)
    expect(server.logs.slice(before).some((l) => l.msg === 'hook')).toBe(false)
  })

  it('probes without a client certificate still reach /healthz and /readyz', async () => {
    expect((await call(server.url, '/healthz', { ca: ca.cert }, 'GET')).status).toBe(200)
    expect((await call(server.url, '/readyz', { ca: ca.cert }, 'GET')).status).toBe(200)
  })
})

describe('certificate rotation', () => {
  it('a renewed certificate written over the files is served to new connections', async () => {
    const { reloadOnChange, httpsOptions } = await import('../../hooks/core/http/tls.ts')
    const { createServer } = await import('node:https')
    const renewed = await ca.issue('renewed', 'server')
    const files = writePems({ 'tls.crt': serverCert.cert, 'tls.key': serverCert.key })
    const tls = { cert: files['tls.crt']!, key: files['tls.key']! }
    const server = createServer(httpsOptions(tls), (_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const lines: Record<string, unknown>[] = []
    const stop = reloadOnChange(tls, server, (l) => lines.push(l), 20)
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`
    const peerCn = () =>
      new Promise<string>((resolve, reject) => {
        const req = httpsRequest(url, { ca: ca.cert, agent: false }, (res) => {
          resolve(
            String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN),
          )
          res.resume()
        })
        req.on('error', reject)
        req.end()
      })
    try {
      expect(await peerCn()).toBe('metahooks.metahooks.svc')
      writeFileSync(tls.key, renewed.key)
      writeFileSync(tls.cert, renewed.cert)
      await expect.poll(peerCn, { timeout: 5000, interval: 50 }).toBe('renewed')
      expect(lines.some((l) => l.msg === 'tls reloaded')).toBe(true)
    } finally {
      stop()
      server.close()
    }
  })
})

describe('shutdown over HTTPS', () => {
  it('a TCP connection that never starts its handshake and an idle TLS keep-alive connection do not hold SIGTERM: exit 0', async () => {
    const files = writePems({ 'tls.crt': serverCert.cert, 'tls.key': serverCert.key })
    const server = await startServerProcess({
      METAHOOKS_TLS_CERT_FILE: files['tls.crt']!,
      METAHOOKS_TLS_KEY_FILE: files['tls.key']!,
      METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS: '5',
    })
    try {
      const { port } = new URL(server.url)
      const silent = connect(Number(port), '127.0.0.1')
      silent.on('error', () => {})
      const agent = new Agent({ keepAlive: true, ca: ca.cert })
      expect((await call(server.url, '/mypod/sync', { agent })).status).toBe(200)
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      agent.destroy()
      silent.destroy()
    } finally {
      await stopServerProcess(server)
    }
  })
})
