import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RCLONE } from '../../hooks/workflow/artifact-pod.ts'
import type { Location } from '../../hooks/workflow/artifact-schema.ts'
import { runArtifactPod, type ArtifactPod } from '../workflow/artifact-pod-runner.ts'
import { BUSYBOX } from '../workflow/local-kubelet.ts'

// The executor's S3 and HTTP transfers for real: rclone (the rclone/rclone image's program, built
// from the same release) against SeaweedFS's S3 gateway and a Node HTTP server, both on loopback.

const server = inject('artifacts')
const root = mkdtempSync(join(tmpdir(), 'metahooks-s3-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let count = 0
const fresh = () => {
  const dir = join(root, `pod-${++count}`)
  mkdirSync(dir)
  return dir
}
const secrets = {
  creds: { access: server.accessKey, secret: server.secretKey, wrong: 'not-the-secret' },
}
const s3 = (key: string, extra: Partial<NonNullable<Location['s3']>> = {}): Location => ({
  s3: {
    endpoint: server.endpoint,
    insecure: true,
    bucket: 'metahooks',
    key,
    accessKeySecret: { name: 'creds', key: 'access' },
    secretKeySecret: { name: 'creds', key: 'secret' },
    ...extra,
  },
})
const pod = (p: Omit<ArtifactPod, 'secrets' | 'programs'>) =>
  runArtifactPod({ ...p, secrets, programs: { [RCLONE]: join(server.bin, 'rclone') } })
const sh = (script: string) => [BUSYBOX, 'sh', '-c', script]
/** The object as the bucket holds it, read with rclone outside the executor. */
function object(bucket: string, key: string): Buffer {
  const got = spawnSync(
    join(server.bin, 'rclone'),
    [
      '--config=/dev/null',
      '-q',
      'cat',
      '--s3-provider',
      'Other',
      '--s3-endpoint',
      `http://${server.endpoint}`,
      `:s3:${bucket}/${key}`,
    ],
    {
      env: {
        ...process.env,
        RCLONE_S3_ACCESS_KEY_ID: server.accessKey,
        RCLONE_S3_SECRET_ACCESS_KEY: server.secretKey,
      },
    },
  )
  if (got.status !== 0) throw new Error(`rclone cat ${bucket}/${key}: ${got.stderr.toString()}`)
  return got.stdout
}

describe('artifacts through S3 (SeaweedFS) with rclone', () => {
  it('a directory goes up as a gzipped tar with credentials from Secrets and comes down whole in the next Pod', async () => {
    const producer = fresh()
    const out = join(producer, 'results')
    const made = await pod({
      dir: producer,
      argv: sh(
        `mkdir -p ${out}/deep && echo one > ${out}/one.txt && echo two > ${out}/deep/two.txt`,
      ),
      outputs: [
        { name: 'results', path: out, archive: 'tgz', location: s3('wf/pod-a/results.tgz') },
      ],
    })
    expect(made.result?.artifacts).toEqual({ results: { state: 'saved' } })
    expect(gunzipSync(object('metahooks', 'wf/pod-a/results.tgz')).toString('latin1')).toContain(
      'results/deep/two.txt',
    )
    const consumer = fresh()
    const input = join(consumer, 'in', 'results')
    const used = await pod({
      dir: consumer,
      argv: sh(`cat ${input}/deep/two.txt`),
      inputs: [{ name: 'results', path: input, location: s3('wf/pod-a/results.tgz') }],
    })
    expect(used.initFailure).toBeUndefined()
    expect(readFileSync(join(input, 'one.txt'), 'utf8')).toBe('one\n')
    expect(readFileSync(join(input, 'deep', 'two.txt'), 'utf8')).toBe('two\n')
  })

  interface Failure {
    name: string
    reason: string
    location: Location
    why: RegExp
  }
  const failures: Failure[] = [
    {
      name: 'a wrong secret key',
      reason:
        'the server refuses the signature: the node must fail saying so, not succeed without its output',
      location: s3('wf/x/o.tgz', { secretKeySecret: { name: 'creds', key: 'wrong' } }),
      why: /403|SignatureDoesNotMatch|Forbidden|AccessDenied/,
    },
    {
      name: 'no credentials at all',
      reason: 'anonymous writes are refused when the server has identities',
      location: s3('wf/x/o.tgz', { accessKeySecret: undefined, secretKeySecret: undefined }),
      why: /403|Forbidden|AccessDenied/,
    },
  ]
  it.each(failures)('an upload with $name fails its artifact: $reason', async (c) => {
    const dir = fresh()
    const out = join(dir, 'o')
    const run = await pod({
      dir,
      argv: sh(`echo o > ${out}`),
      outputs: [{ name: 'o', path: out, archive: 'tgz', location: c.location }],
    })
    expect(run.exitCode).toBe(0)
    expect(run.result?.artifacts?.o?.state).toBe('failed')
    expect(run.result?.artifacts?.o?.message).toMatch(c.why)
  })

  it("createBucketIfNotPresent makes the bucket; archive none stores the bytes as they are (SeaweedFS would also make it on the first write: only the flag's path is shown here)", async () => {
    const dir = fresh()
    const out = join(dir, 'report.csv')
    const run = await pod({
      dir,
      argv: sh(`printf 'a,b\\n1,2\\n' > ${out}`),
      outputs: [
        {
          name: 'report',
          path: out,
          archive: 'none',
          location: s3('reports/report.csv', {
            bucket: 'made-on-demand',
            createBucketIfNotPresent: {},
          }),
        },
      ],
    })
    expect(run.result?.artifacts).toEqual({ report: { state: 'saved' } })
    expect(object('made-on-demand', 'reports/report.csv').toString()).toBe('a,b\n1,2\n')
  })

  it('an input that is not in the bucket fails the Pod in its init container, naming the artifact', async () => {
    const run = await pod({
      dir: fresh(),
      argv: sh('true'),
      inputs: [{ name: 'model', path: join(root, 'never'), location: s3('no/such/object.tgz') }],
    })
    expect(run.initFailure).toBe(
      'input artifact model could not be fetched: metahooks/no/such/object.tgz is not there',
    )
  })
})

describe('artifacts from HTTP with rclone', () => {
  let http: Server
  let base = ''
  beforeAll(async () => {
    http = createServer((req, res) => {
      if (req.url === '/data.txt' && req.headers['x-token'] === 'let-me-in')
        return void res.end('served over http\n')
      res.statusCode = req.url === '/data.txt' ? 401 : 404
      res.end('no')
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`
  })
  afterAll(() => new Promise<void>((r) => http.close(() => r())))

  it('fetches a URL with the headers the artifact gives', async () => {
    const dir = fresh()
    const input = join(dir, 'data.txt')
    const run = await pod({
      dir,
      argv: sh(`cat ${input}`),
      inputs: [
        {
          name: 'data',
          path: input,
          location: {
            http: { url: `${base}/data.txt`, headers: [{ name: 'X-Token', value: 'let-me-in' }] },
          },
        },
      ],
    })
    expect(run.initFailure).toBeUndefined()
    expect(readFileSync(input, 'utf8')).toBe('served over http\n')
  })

  it('fails the Pod naming the artifact when the server says no', async () => {
    const run = await pod({
      dir: fresh(),
      argv: sh('true'),
      inputs: [
        { name: 'data', path: join(root, 'nope'), location: { http: { url: `${base}/data.txt` } } },
      ],
    })
    expect(run.initFailure).toMatch(/^input artifact data could not be fetched: .*401/)
  })
})
