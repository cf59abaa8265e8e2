// Memory per request byte, measured on the real server process (`npm start`), and the shapes of
// body that cost the most. Shared by test/reliability/memory.test.ts and `npm run memory`, which
// prints the table README and RELIABILITY.md quote. Loopback only; bounded; stops by itself.
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { pathToFileURL } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import workflow from '../../hooks/workflow/index.ts'
import { myPodParent, observedPod, NOTES_POD } from '../fixtures/mypod.ts'
import { ROOT, startServerProcess, stopServerProcess } from '../fixtures/server.ts'

export const MiB = 1024 * 1024

/** A body of (about) `bytes` bytes and the route it goes to. */
export interface Shaped {
  path: string
  body: string
}

/** `unit` repeated, comma-separated, to fill about `bytes` characters. */
function filler(unit: string, bytes: number): string {
  return Array<string>(Math.max(1, Math.floor(bytes / (unit.length + 1))))
    .fill(unit)
    .join(',')
}

/** A valid MyPod request with `junk` (ignored by the spec schema) sized to make the whole body `bytes` long. */
function myPodWith(junk: (room: number) => string, bytes: number): Shaped {
  const base = JSON.stringify(compositeRequest(mypod, { parent: myPodParent() }))
  const room = bytes - base.length - 20
  return { path: '/mypod/sync', body: base.replace('"spec":{', `"spec":{"junk":${junk(room)},`) }
}

/**
 * The shapes measured. `empty-objects` costs the most memory per byte (every three bytes are a
 * JavaScript object); `invalid-templates` is the spec that made zod collect an issue per element;
 * `observed-pods` is what a large real request looks like.
 */
export const SHAPES: Record<string, (bytes: number) => Shaped> = {
  'observed-pods': (bytes) => {
    const request = (n: number) =>
      JSON.stringify(
        compositeRequest(mypod, {
          parent: myPodParent(),
          observed: Array.from({ length: n }, (_, i) =>
            observedPod(i === 0 ? NOTES_POD : `extra-${i}`),
          ),
        }),
      )
    const perPod = request(101).length / 100
    return { path: '/mypod/sync', body: request(Math.max(1, Math.floor(bytes / perPod) - 1)) }
  },
  'empty-objects': (bytes) => myPodWith((room) => `[${filler('{}', room)}]`, bytes),
  'empty-arrays': (bytes) => myPodWith((room) => `[${filler('[]', room)}]`, bytes),
  numbers: (bytes) => myPodWith((room) => `[${filler('0', room)}]`, bytes),
  'one-string': (bytes) => myPodWith((room) => JSON.stringify('a'.repeat(room)), bytes),
  'invalid-templates': (bytes) => {
    const parent = {
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'w', namespace: 'default', uid: 'u' },
      spec: { entrypoint: 'main', templates: [] },
    }
    const base = JSON.stringify(compositeRequest(workflow, { parent: parent as never }))
    return {
      path: '/workflow/sync',
      body: base.replace('"templates":[]', `"templates":[${filler('{}', bytes - base.length)}]`),
    }
  },
}

/** The hook server's container in deploy/server.yaml: its memory limit (MiB) and its environment. */
export function deployment(): { limitMiB: number; env: Record<string, string> } {
  const docs = parseAllDocuments(readFileSync(`${ROOT}/deploy/server.yaml`, 'utf8')).map((d) =>
    d.toJS(),
  )
  const container = docs.find((d) => d?.kind === 'Deployment').spec.template.spec.containers[0]
  const limit = String(container.resources.limits.memory)
  const match = /^(\d+)(Mi|Gi)$/.exec(limit)
  if (!match) throw new Error(`unexpected memory limit ${limit}`)
  const env: Record<string, string> = {}
  for (const e of container.env ?? [])
    if (typeof e.value === 'string' && e.name !== 'HOST' && e.name !== 'PORT') env[e.name] = e.value
  return { limitMiB: Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1), env }
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1])
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 }
}

export interface Sent {
  status: number
  retryAfter: string | undefined
  body: string
}

/**
 * One POST over its own connection, with the whole body written at once — or, given `held`, its
 * first MiB, the rest once `held` settles (an upload kept in flight while others arrive).
 */
export function send(url: string, { path, body }: Shaped, held?: Promise<void>): Promise<Sent> {
  const bytes = Buffer.from(body)
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': bytes.length },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            body: text.slice(0, 300),
          }),
        )
      },
    )
    // A refusal may come before the whole body is written; the answer is what counts.
    req.on('error', (error) =>
      req.writableFinished
        ? reject(error)
        : resolve({ status: -1, retryAfter: undefined, body: error.message }),
    )
    if (!held) req.end(bytes)
    else {
      req.write(bytes.subarray(0, MiB))
      void held.then(() => req.end(bytes.subarray(MiB)))
    }
  })
}

/** `npm run memory`: for each shape, one body of SIZE_MIB (default: the largest allowed) on a fresh server: peak RSS, and per MiB of body. */
async function main(): Promise<void> {
  const { DEFAULT_MAX_BODY_BYTES } = await import('../../hooks/core/http/config.ts')
  const bytes = Number(process.env.SIZE_MIB ?? DEFAULT_MAX_BODY_BYTES / MiB) * MiB
  const { limitMiB, env } = deployment()
  console.log(`body ${bytes / MiB} MiB per request; the Deployment's limit is ${limitMiB} MiB`)
  console.log('| shape | status | idle RSS | peak RSS | per MiB of body |')
  console.log('|---|---|---|---|---|')
  for (const [name, shape] of Object.entries(SHAPES)) {
    const server = await startServerProcess({
      ...env,
      METAHOOKS_MAX_BODY_BYTES: String(Math.max(bytes, 1024) + 64 * 1024),
    })
    try {
      await send(server.url, SHAPES['observed-pods']!(4096))
      const idle = memoryOf(server.child.pid!)
      const shaped = shape(bytes)
      const answer = await send(server.url, shaped)
      const { peakMiB } = memoryOf(server.child.pid!)
      const perMiB = (peakMiB - idle.rssMiB) / (Buffer.byteLength(shaped.body) / MiB)
      console.log(
        `| ${name} | ${answer.status} | ${idle.rssMiB.toFixed(0)} MiB | ${peakMiB.toFixed(0)} MiB | ${perMiB.toFixed(1)} MiB |`,
      )
    } finally {
      await stopServerProcess(server)
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
