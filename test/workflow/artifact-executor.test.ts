import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import type { Location } from '../../hooks/workflow/artifact-schema.ts'
import { emulate } from '../../hooks/workflow/executor-message.ts'
import { runArtifactPod } from './artifact-pod-runner.ts'
import { BUSYBOX, HAVE_BUSYBOX } from './local-kubelet.ts'

// The executor's artifacts for real, with a volume repository (a directory stands for the claim)
// and raw sources: busybox only. test/artifacts/ runs S3 and HTTP with rclone against a real server.

const root = HAVE_BUSYBOX ? mkdtempSync(join(tmpdir(), 'metahooks-artifacts-')) : ''
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})
let count = 0
const fresh = () => {
  const dir = join(root, `pod-${++count}`)
  mkdirSync(dir, { recursive: true })
  return dir
}
const vol = (key: string): Location => ({ volume: { claimName: 'repo', key } })
const sh = (script: string) => [BUSYBOX, 'sh', '-c', script]

describe.skipIf(!HAVE_BUSYBOX)('artifacts: the real executor with a volume repository', () => {
  const claim = HAVE_BUSYBOX ? join(root, 'claim') : ''
  if (claim) mkdirSync(claim)

  interface Case {
    name: string
    reason: string
    /** The producer's command, given its own output path. */
    produce: (out: string) => string
    archive: 'tgz' | 'none'
    /** What the consumer finds at its input path: a file's text, or a directory's files. */
    consumed: string | Record<string, string>
    /** The stored object, as the repository holds it. */
    stored: (bytes: Buffer) => void
  }
  const cases: Case[] = [
    {
      name: 'a file, tarred and gzipped (the default)',
      reason:
        "Argo's default archive; the consumer gets the file itself at its path, not a tarball",
      produce: (out) => `echo hello world > ${out}`,
      archive: 'tgz',
      consumed: 'hello world\n',
      stored: (b) => expect(gunzipSync(b).subarray(0, 100).toString()).toContain('out.txt'),
    },
    {
      name: 'a directory, tarred and gzipped',
      reason: 'a directory travels whole, its files and subdirectories kept',
      produce: (out) => `mkdir -p ${out}/sub && echo a > ${out}/a.txt && echo b > ${out}/sub/b.txt`,
      archive: 'tgz',
      consumed: { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' },
      stored: (b) => expect(gunzipSync(b).length).toBeGreaterThan(512),
    },
    {
      name: 'a file with archive none',
      reason: 'stored byte for byte (what users of other tools read from the bucket)',
      produce: (out) => `printf 'raw bytes' > ${out}`,
      archive: 'none',
      consumed: 'raw bytes',
      stored: (b) => expect(b.toString()).toBe('raw bytes'),
    },
  ]

  it.each(cases)('$name: $reason', async (c) => {
    const producer = fresh()
    const out = join(
      producer,
      c.archive === 'none' ? 'out.bin' : typeof c.consumed === 'string' ? 'out.txt' : 'outdir',
    )
    const key = `wf/${count}/out${c.archive === 'none' ? '' : '.tgz'}`
    const made = await runArtifactPod({
      dir: producer,
      argv: sh(c.produce(out)),
      outputs: [{ name: 'out', path: out, archive: c.archive, location: vol(key) }],
      claims: { repo: claim },
    })
    expect(made.exitCode).toBe(0)
    expect(made.result?.artifacts).toEqual({ out: { state: 'saved' } })
    c.stored(readFileSync(join(claim, key)))

    const consumer = fresh()
    const input = join(consumer, 'work', 'in')
    const used = await runArtifactPod({
      dir: consumer,
      argv: sh(`cat ${input} 2>/dev/null || ls -R ${input}`),
      inputs: [{ name: 'in', path: input, location: vol(key) }],
      claims: { repo: claim },
    })
    expect(used.initFailure).toBeUndefined()
    expect(used.exitCode).toBe(0)
    if (typeof c.consumed === 'string') expect(readFileSync(input, 'utf8')).toBe(c.consumed)
    else
      for (const [file, text] of Object.entries(c.consumed))
        expect(readFileSync(join(input, file), 'utf8')).toBe(text)
  })

  it('reports a missing output and a directory given archive none, byte for byte as the simulator emulates them', async () => {
    const dir = fresh()
    const gone = join(dir, 'never-written')
    const folder = join(dir, 'folder')
    const file = join(dir, 'file')
    const run = await runArtifactPod({
      dir,
      argv: sh(`mkdir ${folder} && echo x > ${folder}/x && echo f > ${file}`),
      outputs: [
        { name: 'gone', path: gone, archive: 'tgz', location: vol('k/gone.tgz') },
        { name: 'folder', path: folder, archive: 'none', location: vol('k/folder') },
        { name: 'file', path: file, archive: 'tgz', location: vol('k/file.tgz') },
      ],
      claims: { repo: claim },
    })
    expect(run.result?.artifacts).toEqual({
      gone: { state: 'missing' },
      folder: {
        state: 'failed',
        message: `archive none needs a file; ${folder} is a directory (use tar)`,
      },
      file: { state: 'saved' },
    })
    const emulated = emulate(run.main!, {
      exitCode: 0,
      files: { [`${folder}/x`]: 'x\n', [file]: 'f\n' },
    })
    expect(emulated.message).toBe(readFileSync(join(dir, 'termination-log'), 'utf8'))
  })

  it("says why an output could not be stored (the key's folder is a file in the claim)", async () => {
    const blocked = join(root, 'blocked-claim')
    mkdirSync(blocked)
    writeFileSync(join(blocked, 'a'), 'a file where the key needs a folder')
    const dir = fresh()
    const out = join(dir, 'o')
    const run = await runArtifactPod({
      dir,
      argv: sh(`echo o > ${out}`),
      outputs: [
        {
          name: 'o',
          path: out,
          archive: 'tgz',
          location: { volume: { claimName: 'blocked', key: 'a/o.tgz' } },
        },
      ],
      claims: { blocked },
    })
    expect(run.exitCode).toBe(0)
    expect(run.result?.artifacts?.o).toEqual({
      state: 'failed',
      message: expect.stringMatching(/File exists|Not a directory/),
    })
  })

  it('fetches raw data with its mode, leaves a gzip that is no tarball as it is, and fails the Pod naming a missing input', async () => {
    writeFileSync(join(claim, 'data.gz'), gzipSync('not a tarball'))
    const dir = fresh()
    const script = join(dir, 'bin', 'run.sh')
    const gz = join(dir, 'data', 'data.gz')
    const ok = await runArtifactPod({
      dir,
      argv: [script],
      inputs: [
        {
          name: 'script',
          path: script,
          location: { raw: { data: '#!/bin/sh\necho from a raw artifact\n' } },
          mode: 0o755,
        },
        { name: 'gz', path: gz, location: vol('data.gz') },
      ],
      claims: { repo: claim },
    })
    expect(ok.initFailure).toBeUndefined()
    expect(ok.exitCode).toBe(0)
    expect(statSync(join(dir, 'exec', 'in', 'script')).mode & 0o777).toBe(0o755)
    expect(lstatSync(gz).isSymbolicLink()).toBe(true)
    expect(gunzipSync(readFileSync(gz)).toString()).toBe('not a tarball')

    const failed = await runArtifactPod({
      dir: fresh(),
      argv: sh('true'),
      inputs: [{ name: 'nothing', path: '/tmp/never', location: vol('no/such/key') }],
      claims: { repo: claim },
    })
    expect(failed.initFailure).toMatch(
      /^input artifact nothing could not be fetched: .*no\/such\/key/,
    )
    expect(readdirSync(claim)).not.toContain('no')
  })
})
