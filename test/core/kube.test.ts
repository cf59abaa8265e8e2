import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kube, KubeError } from '../../hooks/core/cli/cluster/kube.ts'

// Kube's three ways of asking (request, watch, stream) against an API server stand-in on loopback
// that answers as kube-apiserver does where the real one cannot be made to (429s, split watch
// lines, refusals); the cluster tier runs them against the real one.

type Handler = (req: IncomingMessage, res: ServerResponse) => void
const handlers = new Map<string, Handler>()
const seen: string[] = []
let server: Server
let dir: string
let kube: Kube

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
    const handler = handlers.get(new URL(req.url!, 'http://x').pathname)
    if (handler) handler(req, res)
    else res.writeHead(404).end('{"kind":"Status","message":"not found"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  dir = mkdtempSync(join(tmpdir(), 'kube-test-'))
  kube = await connect(port, 'here', '{ token: t0ken }')
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A Kube for a kubeconfig naming a plain-http server on loopback (client-node wants skip-TLS then). */
function connect(port: number, context: string, user: string): Promise<Kube> {
  const kubeconfig = join(dir, context)
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: ${context}, context: { cluster: c, user: u } }]
current-context: ${context}
`,
  )
  return Kube.connect({ kubeconfig })
}

describe('Kube.request', () => {
  it("sends JSON with the kubeconfig's token, and comes back after a 429 as client-go does", async () => {
    let calls = 0
    handlers.set('/api/v1/namespaces/a/configmaps', (req, res) => {
      calls++
      if (calls === 1) return void res.writeHead(429, { 'Retry-After': '1' }).end()
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => res.writeHead(201).end(JSON.stringify({ got: JSON.parse(body) })))
    })
    const created = await kube.request('POST', '/api/v1/namespaces/a/configmaps', { data: 1 })
    expect(created).toEqual({ got: { data: 1 } })
    expect(calls).toBe(2)
    expect(seen.at(-1)).toBe('POST /api/v1/namespaces/a/configmaps Bearer t0ken')
  })

  it('answers undefined for a GET of nothing; any other failure is a KubeError with the Status message', async () => {
    expect(await kube.get('/api/v1/namespaces/a/configmaps/none')).toBeUndefined()
    handlers.set('/api/v1/namespaces/a/pods/p', (_req, res) =>
      res.writeHead(422).end('{"kind":"Status","message":"Pod \\"p\\" is invalid"}'),
    )
    const error = await kube
      .request('PATCH', '/api/v1/namespaces/a/pods/p', {}, 'application/merge-patch+json')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KubeError)
    expect([(error as KubeError).status, (error as Error).message]).toEqual([
      422,
      'PATCH /api/v1/namespaces/a/pods/p: 422 Pod "p" is invalid',
    ])
  })

  it('names the API server and the context when it cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    closed.close()
    const unreachable = await connect(port, 'gone', '{}')
    await expect(unreachable.get('/api')).rejects.toThrow(
      `cannot reach the API server at http://127.0.0.1:${port} (context gone): connect ECONNREFUSED`,
    )
  })
})

describe('Kube.watch', () => {
  it('hands over each event, however the lines are split across chunks, and ends when the server does', async () => {
    handlers.set('/apis/x/v1/things', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD')
      setTimeout(() => res.end('IFIED","object":{"metadata":{"name":"b"}}}\n'), 20)
    })
    const events: string[] = []
    const watch = await kube.watch('/apis/x/v1/things', '7', (e) =>
      events.push(`${e.type} ${e.object.metadata.name}`),
    )
    await watch.ended
    expect(events).toEqual(['ADDED a', 'MODIFIED b'])
    expect(seen.at(-1)).toBe('GET /apis/x/v1/things?watch=1&resourceVersion=7 Bearer t0ken')
  })

  it('stop ends a watch the server keeps open', async () => {
    handlers.set('/apis/x/v1/open', (_req, res) => {
      res.writeHead(200)
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n')
    })
    const events: string[] = []
    const watch = await kube.watch('/apis/x/v1/open', '1', (e) => events.push(e.type))
    await expect.poll(() => events).toEqual(['ADDED'])
    watch.stop()
    await watch.ended
  })
})

describe('Kube.stream', () => {
  it('gives the body as it comes, or the Status message of a refusal', async () => {
    handlers.set('/api/v1/namespaces/a/pods/p/log', (req, res) => {
      if (req.url!.includes('container=main')) res.writeHead(200).end('line 1\nline 2\n')
      else res.writeHead(400).end('{"kind":"Status","message":"a container name must be given"}')
    })
    const log = await kube.stream('/api/v1/namespaces/a/pods/p/log?container=main')
    if (!log.ok) throw new Error(log.message)
    expect(await new Response(log.body).text()).toBe('line 1\nline 2\n')
    expect(await kube.stream('/api/v1/namespaces/a/pods/p/log')).toEqual({
      ok: false,
      status: 400,
      message: 'a container name must be given',
    })
  })
})
