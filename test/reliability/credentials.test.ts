import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { toBase64 } from '../../hooks/core/k8s/encoding.ts'
import { MALFORMED, randomSecret, secretPieces } from '../fixtures/credentials.ts'
import { rawExchange, rawRequest } from '../fixtures/raw.ts'
import {
  ROOT,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../fixtures/server.ts'

// Credentials against the real server (`npm start`): a refused header never reaches the log, not
// even in part, whatever its form; and a request is let in exactly when it carries what
// Metacontroller sends for the configured Secret values (or, for Basic, the values verbatim).

const body = readFileSync(`${ROOT}/test/fixtures/golden/mypod-sync-v2.request.json`)
let server: ServerProcess | undefined
afterEach(async () => {
  await stopServerProcess(server)
  server = undefined
})

/** Everything the server process wrote, stdout and stderr. */
function output(s: ServerProcess): Promise<string> {
  let text = ''
  s.child.stdout.on('data', (d) => (text += String(d)))
  s.child.stderr.on('data', (d) => (text += String(d)))
  return s.exited.then(() => `${JSON.stringify(s.logs)}\n${text}`)
}

const call = (url: string, authorization: string | Uint8Array) =>
  rawExchange(
    url,
    rawRequest(
      'POST',
      '/mypod/sync',
      { 'Content-Type': 'application/json', Authorization: authorization, Connection: 'close' },
      body,
    ),
  )

describe('credentials in the log', () => {
  it('no refused header, however malformed, leaves any 4-character piece of its secret in the output', async () => {
    server = await startServerProcess({
      METAHOOKS_AUTH_TOKEN: randomSecret(),
      METAHOOKS_BASIC_USERNAME: 'metacontroller',
      METAHOOKS_BASIC_PASSWORD: randomSecret(),
    })
    const everything = output(server)
    const sent = MALFORMED.map((m) => ({ ...m, secret: randomSecret() }))
    for (const m of sent)
      expect((await call(server.url, m.header(m.secret))).status, m.name).toBe(401)
    await expect
      .poll(() => server!.logs.filter((l) => l.msg === 'refused').map((l) => l.scheme))
      .toEqual(sent.map((m) => m.logged))
    server.child.kill('SIGTERM')
    const text = await everything
    for (const m of sent) {
      const leaked = [
        ...secretPieces(m.secret),
        ...secretPieces(`metacontroller:${m.secret}`).filter((p) => !'metacontroller:'.includes(p)),
      ].filter((p) => text.includes(p))
      expect(leaked, m.name).toEqual([])
    }
  })
})

describe('exact credentials', () => {
  it.each<{
    name: string
    env: Record<string, string>
    accepted: (string | Uint8Array)[]
    refused: (string | Uint8Array)[]
  }>([
    {
      name: 'a password Secret with a trailing newline: what Metacontroller sends (trimmed) and the verbatim value both pass',
      env: { METAHOOKS_BASIC_USERNAME: 'metacontroller', METAHOOKS_BASIC_PASSWORD: 'pa55word\n' },
      accepted: [
        `Basic ${toBase64('metacontroller:pa55word')}`,
        `Basic ${toBase64('metacontroller:pa55word\n')}`,
      ],
      refused: [
        `Basic ${toBase64('metacontroller:pa55word\n ')}`,
        `Basic ${toBase64('metacontroller: pa55word')}`,
      ],
    },
    {
      name: 'a username with surrounding spaces: trimmed as Metacontroller does, or verbatim',
      env: { METAHOOKS_BASIC_USERNAME: ' mc ', METAHOOKS_BASIC_PASSWORD: 'pw' },
      accepted: [`Basic ${toBase64('mc:pw')}`, `Basic ${toBase64(' mc :pw')}`],
      refused: [`Basic ${toBase64('mc :pw')}`],
    },
    {
      name: 'a token Secret with a trailing newline: Metacontroller sends it trimmed',
      env: { METAHOOKS_AUTH_TOKEN: 'tok-3n\n' },
      accepted: ['Bearer tok-3n', 'bearer tok-3n', 'Bearer  tok-3n'],
      refused: ['Bearer tok-3', 'Bearer tok-3n-', 'Bearer tok-3n\\n', 'Bearer\ttok-3n'],
    },
    {
      name: 'a non-ASCII token arrives as its UTF-8 bytes',
      env: { METAHOOKS_AUTH_TOKEN: 'tök€n-秘密' },
      accepted: [Buffer.from('Bearer tök€n-秘密', 'utf8')],
      refused: [Buffer.from('Bearer tök€n-秘密', 'latin1'), 'Bearer tök€n-秘密'.normalize('NFD')],
    },
  ])('$name', async ({ env, accepted, refused }) => {
    server = await startServerProcess(env)
    for (const header of accepted)
      expect((await call(server.url, header)).status, String(header)).toBe(200)
    for (const header of refused)
      expect(
        (await call(server.url, typeof header === 'string' ? Buffer.from(header, 'utf8') : header))
          .status,
        String(header),
      ).toBe(401)
  })
})
