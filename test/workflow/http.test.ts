import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wrap } from '../../hooks/workflow/executor.ts'
import { HTTP_HEADERS, HTTP_STATUS, httpContainer, httpOutcome } from '../../hooks/workflow/http.ts'
import { readTerminationMessage } from '../../hooks/workflow/executor-message.ts'
import { Template } from '../../hooks/workflow/schema.ts'
import { nodes, pods, simulate, type StepOutcome } from './helpers.ts'
import { HAVE_BUSYBOX, runContainer, runContainerAsync } from './local-kubelet.ts'

const CURL = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p))
if (!CURL && process.env.METAHOOKS_REQUIRE_BUSYBOX === '1')
  throw new Error('curl is missing (apt-get install curl): the http executor is tested with it')

const http = (h: Record<string, unknown>) =>
  Template.parse({ name: 'http', http: { url: 'https://example.com/api', ...h } })
const response = (
  status: string,
  body = '',
  headers = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Many: a\r\nx-many: b\r\n\r\n',
) => ({ status, headers, body })

describe("http templates: the phase from the response, as Argo's agent decides it", () => {
  const cases: {
    name: string
    template: Record<string, unknown>
    response: ReturnType<typeof response>
    failed?: string
  }[] = [
    { name: '2xx without a condition', template: {}, response: response('204') },
    {
      name: 'a non-2xx without a condition',
      template: {},
      response: response('404'),
      failed: 'received non-2xx response code: 404',
    },
    {
      name: 'a condition on the body that holds',
      template: { successCondition: 'response.body contains "ok" && response.statusCode == 201' },
      response: response('201', '{"ok":true}'),
    },
    {
      name: 'a condition that does not hold',
      template: { successCondition: 'response.statusCode == 201' },
      response: response('500'),
      failed: "successCondition 'response.statusCode == 201' evaluated false",
    },
    {
      name: 'a 404 a condition accepts',
      template: { successCondition: 'response.statusCode == 404' },
      response: response('404'),
    },
    {
      name: 'headers as Go lists them (canonical names, every value)',
      template: {
        successCondition:
          'response.headers["Content-Type"][0] == "application/json" && len(response.headers["X-Many"]) == 2',
      },
      response: response('200'),
    },
    {
      name: 'no status code',
      template: {},
      response: response(''),
      failed: 'the http executor reported no status code ("")',
    },
  ]
  it.each(cases)('$name', (c) =>
    expect(httpOutcome(http(c.template), c.response)).toEqual(c.failed ? { failed: c.failed } : {}),
  )
})

describe('workflow: http templates', () => {
  const spec = (h: Record<string, unknown>) => ({
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        steps: [
          [{ name: 'call', template: 'call' }],
          [
            {
              name: 'use',
              template: 'use',
              arguments: { parameters: [{ name: 'body', value: '{{steps.call.outputs.result}}' }] },
            },
          ],
        ],
      },
      {
        name: 'call',
        http: {
          url: 'https://api.example.com/items',
          method: 'POST',
          body: '{"n": 1}',
          headers: [
            { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
            { name: 'Accept', value: 'application/json' },
          ],
          ...h,
        },
      },
      {
        name: 'use',
        inputs: { parameters: [{ name: 'body' }] },
        container: { image: 'alpine:3', command: ['echo', '{{inputs.parameters.body}}'] },
      },
    ],
  })
  const answered = (status: string, body: string): StepOutcome => ({
    stdout: body,
    files: {
      [`/var/run/metahooks/http/${HTTP_STATUS}`]: status,
      [`/var/run/metahooks/http/${HTTP_HEADERS}`]: 'HTTP/1.1 200 OK\r\n\r\n',
    },
  })

  it('the request runs as a curl Pod (secret headers from secretKeyRefs), the body is the result a later step reads', async () => {
    const sim = simulate(spec({}), { call: answered('200', '{"id": 7}') })
    await sim.run()
    expect(sim.status?.phase).toBe('Succeeded')
    const pod = pods(sim).find((p) => p.metadata.name.startsWith('wf-call-')) as unknown as {
      spec: { containers: { image: string; env: unknown[]; command: string[] }[] }
    }
    const main = pod.spec.containers[0]!
    expect(main.image).toBe('curlimages/curl:8.11.1')
    expect(main.env).toEqual([
      {
        name: 'METAHOOKS_HTTP_HEADER_0',
        valueFrom: { secretKeyRef: { name: 'api', key: 'token' } },
      },
      { name: 'METAHOOKS_HTTP_HEADER_1', value: 'application/json' },
      { name: 'METAHOOKS_HTTP_BODY', value: '{"n": 1}' },
    ])
    const use = pods(sim).find((p) => p.metadata.name.startsWith('wf-use-')) as unknown as {
      spec: { containers: { command: string[] }[] }
    }
    expect(use.spec.containers[0]!.command).toEqual(['echo', '{"id": 7}'])
  })

  it("a non-2xx answer fails the step with Argo's message, its own outputs not recorded", async () => {
    const sim = simulate(spec({}), { call: answered('503', 'busy') })
    await sim.run()
    expect(sim.status?.phase).toBe('Failed')
    const call = Object.values(nodes(sim)).find((n) => n.displayName === 'call')!
    expect(call.message).toBe('received non-2xx response code: 503')
    expect(JSON.stringify(call.outputs ?? {})).not.toContain('metahooks-http')
  })
})

describe.skipIf(!HAVE_BUSYBOX || !CURL)(
  'http templates: the executor for real, with curl against a server on loopback',
  () => {
    let server: Server
    let base = ''
    const seen: { method?: string; auth?: string; body: string }[] = []
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = ''
        req.on('data', (d) => (body += d))
        req.on('end', () => {
          seen.push({ method: req.method, auth: req.headers.authorization, body })
          if (req.url === '/missing') return void res.writeHead(404).end('not here')
          res
            .writeHead(201, { 'Content-Type': 'application/json', 'X-Many': ['a', 'b'] })
            .end(`{"got":${JSON.stringify(body)}}`)
        })
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    })
    afterAll(() => new Promise<void>((r) => server.close(() => r())))
    const root = mkdtempSync(join(tmpdir(), 'metahooks-http-'))
    afterAll(() => rmSync(root, { recursive: true, force: true }))
    let count = 0

    async function call(h: Record<string, unknown>) {
      const dir = join(root, `pod-${++count}`)
      const exec = join(dir, 'exec')
      mkdirSync(exec, { recursive: true })
      const template = http(h)
      const run = httpContainer(template, exec)
      const pod = wrap(run.main, run.argv, run.plan, undefined, exec)
      expect(runContainer(pod.init, { cwd: dir }).status).toBe(0)
      const log = join(dir, 'log')
      const env = { PATH: CURL!.replace(/\/curl$/, '') }
      const ran = await runContainerAsync(pod.main, {
        cwd: dir,
        log,
        env,
        secrets: { api: { token: 'Bearer s3cret' } },
      })
      const result = readTerminationMessage(readFileSync(log, 'utf8'))!
      return {
        code: ran.status,
        result,
        outcome: httpOutcome(template, {
          status: result.parameters[HTTP_STATUS],
          headers: result.parameters[HTTP_HEADERS],
          body: result.result ?? '',
        }),
      }
    }

    it('sends the method, a secret header and the body; the body, status and headers come back', async () => {
      const made = await call({
        url: `${base}/items`,
        method: 'POST',
        body: 'hello',
        headers: [
          { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
        ],
        successCondition: 'response.statusCode == 201 && response.headers["X-Many"] == ["a", "b"]',
      })
      expect(made.code).toBe(0)
      expect(made.result.result).toBe('{"got":"hello"}')
      expect(made.outcome).toEqual({})
      expect(seen.at(-1)).toEqual({ method: 'POST', auth: 'Bearer s3cret', body: 'hello' })
    })

    it("a 404 is a response (the hook fails the node), a refused connection is the executor's error with curl's reason", async () => {
      expect((await call({ url: `${base}/missing` })).outcome).toEqual({
        failed: 'received non-2xx response code: 404',
      })
      const refused = await call({ url: 'http://127.0.0.1:1/', timeoutSeconds: 5 })
      expect(refused.code).toBe(7)
      expect(refused.result.message).toMatch(/^curl: \(7\) Failed to connect/)
    })
  },
)
