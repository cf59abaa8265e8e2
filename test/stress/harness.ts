import { join } from 'node:path'
import fc from 'fast-check'
import type { ControllerDefinition, HookName } from '../../hooks/core/define.ts'
import {
  CompositeHookRequest,
  CustomizeHookRequest,
  DecoratorHookRequest,
} from '../../hooks/core/contract/requests.ts'
import { isValidName, isValidNamespace, nameRule } from '../../hooks/core/k8s/names.ts'
import { goldenRequest, loadGoldenCases } from '../../hooks/core/testing/golden.ts'
import { controllers } from '../../hooks/registry.ts'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import type { LogLine } from '../../hooks/core/http/log.ts'
import { ROOT } from '../fixtures/server.ts'
import { damaged } from '../fixtures/mutate.ts'

// The fuzzer's parts, shared by `npm test` (a few thousand cases) and `npm run fuzz` (100,000+):
// seeds (every controller's valid golden requests), generators of damaged and hostile requests,
// and the oracle that judges each answer.

export interface Seed {
  controller: ControllerDefinition
  hook: HookName
  path: string
  request: unknown
}

/** Every golden case that expects a 200, as the exact request its hook receives. */
export async function loadSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = []
  for (const controller of controllers) {
    for (const c of loadGoldenCases(join(ROOT, 'test/golden', controller.name))) {
      if (!c.expected) continue
      const { hook, request } = await goldenRequest(controller, c)
      seeds.push({ controller, hook, path: `/${controller.name}/${hook}`, request })
    }
  }
  return seeds
}

export type Category =
  | 'damaged'
  | 'truncated'
  | 'invalid-utf8'
  | 'duplicate-keys'
  | 'prototype-keys'
  | 'deep'
  | 'huge'
  | 'protocol'

/** One HTTP exchange to try; `seed` says which controller and hook the body was made for. */
export interface Exchange {
  category: Category
  seed: Seed
  method: string
  path: string
  contentType: string | undefined
  body: Uint8Array | undefined
}

const encoder = new TextEncoder()
const json = (v: unknown) => encoder.encode(JSON.stringify(v))

/** How fast-check prints a failing exchange: what was sent, not the controller's internals. */
function printable(exchange: Omit<Exchange, typeof fc.toStringMethod>): Exchange {
  return Object.assign(exchange, {
    [fc.toStringMethod]: () => {
      const body = exchange.body ? new TextDecoder().decode(exchange.body.subarray(0, 600)) : ''
      return `${exchange.category}: ${exchange.method} ${exchange.path} (${exchange.contentType ?? 'no content type'}, ${exchange.body?.length ?? 0} bytes) ${body}`
    },
  })
}

function post(category: Category, seed: Seed, body: Uint8Array): Exchange {
  return printable({
    category,
    seed,
    method: 'POST',
    path: seed.path,
    contentType: 'application/json',
    body,
  })
}

function insertAt(bytes: Uint8Array, at: number, extra: Uint8Array): Uint8Array {
  const i = at % (bytes.length + 1)
  const out = new Uint8Array(bytes.length + extra.length)
  out.set(bytes.subarray(0, i))
  out.set(extra, i)
  out.set(bytes.subarray(i), i + extra.length)
  return out
}

/** Positions of every `{` in a JSON text: where a key can be slipped in. */
function objectStarts(text: string): number[] {
  const out: number[] = []
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) out.push(i)
  return out
}

/** Replaces a random string value in the request with `raw` JSON text. */
function spliceValue(request: unknown, pick: number, raw: string): string {
  const text = JSON.stringify(request)
  const strings = [...text.matchAll(/:"(?:[^"\\]|\\.)*"/g)]
  if (strings.length === 0) return text
  const m = strings[pick % strings.length]!
  return `${text.slice(0, m.index)}:${raw}${text.slice(m.index! + m[0].length)}`
}

const INVALID_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
].map((b) => new Uint8Array(b))

export function exchanges(seeds: Seed[]): fc.Arbitrary<Exchange> {
  const seed = fc.constantFrom(...seeds)
  const damagedRequest = seed.chain((s) =>
    damaged(s.request).map((doc) => post('damaged', s, json(doc))),
  )
  const truncated = fc.tuple(seed, fc.nat()).map(([s, n]) => {
    const bytes = json(s.request)
    return post('truncated', s, bytes.subarray(0, n % bytes.length))
  })
  const invalidUtf8 = fc
    .tuple(seed, fc.nat(), fc.constantFrom(...INVALID_UTF8))
    .map(([s, at, bad]) => post('invalid-utf8', s, insertAt(json(s.request), at, bad)))
  const duplicateKeys = fc
    .tuple(
      seed,
      fc.constantFrom(
        'parent',
        'object',
        'children',
        'attachments',
        'related',
        'finalizing',
        'controller',
        'spec',
        'metadata',
        'name',
      ),
      fc.jsonValue({ maxDepth: 2 }),
      fc.nat(),
    )
    .map(([s, key, value, pick]) => {
      const text = JSON.stringify(s.request)
      const starts = objectStarts(text)
      const at = starts[pick % starts.length]! + 1
      // The duplicate goes first, so JSON.parse keeps the original (last) or, for a key the object lacks, adds it.
      return post(
        'duplicate-keys',
        s,
        encoder.encode(
          `${text.slice(0, at)}${JSON.stringify(key)}:${JSON.stringify(value)},${text.slice(at)}`,
        ),
      )
    })
  const prototypeKeys = fc
    .tuple(
      seed,
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'),
      fc.nat(),
    )
    .map(([s, key, pick]) => {
      const text = JSON.stringify(s.request)
      const starts = objectStarts(text)
      const at = starts[pick % starts.length]! + 1
      const value =
        key === 'constructor' ? '{"prototype":{"polluted":"yes"}}' : '{"polluted":"yes"}'
      return post(
        'prototype-keys',
        s,
        encoder.encode(`${text.slice(0, at)}"${key}":${value},${text.slice(at)}`),
      )
    })
  const deep = fc
    .tuple(seed, fc.integer({ min: 100, max: 50_000 }), fc.boolean(), fc.nat())
    .map(([s, depth, arrays, pick]) => {
      const nested = arrays
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
      return post('deep', s, encoder.encode(spliceValue(s.request, pick, nested)))
    })
  const huge = fc
    .tuple(
      seed,
      fc.integer({ min: 10_000, max: 1_500_000 }),
      fc.constantFrom('string', 'array', 'object'),
      fc.nat(),
    )
    .map(([s, size, shape, pick]) => {
      const raw =
        shape === 'string'
          ? JSON.stringify('x'.repeat(size))
          : shape === 'array'
            ? `[${Array.from({ length: Math.floor(size / 4) }, (_, i) => i).join(',')}]`
            : `{${Array.from({ length: Math.floor(size / 12) }, (_, i) => `"k${i}":"v"`).join(',')}}`
      return post('huge', s, encoder.encode(spliceValue(s.request, pick, raw)))
    })
  const protocol = fc
    .record({
      s: seed,
      method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST', 'HEAD'),
      contentType: fc.constantFrom(
        'application/json',
        'APPLICATION/JSON',
        'application/json; charset=utf-8',
        'application/json; charset="UTF-8"',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
        undefined,
      ),
      path: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom(
          '/',
          '/nope/sync',
          '/mypod',
          '/mypod/sync/extra',
          '/%2e%2e/sync',
          '//mypod/sync',
          '/a%0Ab/sync',
          '/%1B%5B31m/sync',
          '/%E2%80%AE/sync',
          '/%0D%0AX:%20y',
        ),
        fc.webPath(),
      ),
    })
    .map(({ s, method, contentType, path }) =>
      printable({
        category: 'protocol',
        seed: s,
        method,
        path: path ?? s.path,
        contentType,
        body: method === 'GET' || method === 'HEAD' ? undefined : json(s.request),
      }),
    )
  return fc.oneof(
    { arbitrary: damagedRequest, weight: 40 },
    { arbitrary: truncated, weight: 8 },
    { arbitrary: invalidUtf8, weight: 8 },
    { arbitrary: duplicateKeys, weight: 10 },
    { arbitrary: prototypeKeys, weight: 10 },
    { arbitrary: deep, weight: 4 },
    { arbitrary: huge, weight: 2 },
    { arbitrary: protocol, weight: 10 },
  )
}

function requestSchema(controller: ControllerDefinition, hook: HookName) {
  if (hook === 'customize') return CustomizeHookRequest
  return controller.type === 'composite' ? CompositeHookRequest : DecoratorHookRequest
}

/**
 * Whether a hook call may be answered 200: the request fits the contract, the parent is the
 * controller's kind with a valid name in the declared scope, and its spec parses (sync only). (A 200 also needs
 * more — the controller's own checks — so this is a necessary condition, which is all the oracle needs.)
 */
export function mayAnswer200(
  controller: ControllerDefinition,
  hook: HookName,
  input: unknown,
): boolean {
  if (!requestSchema(controller, hook).safeParse(input).success) return false
  const request = input as { parent?: Record<string, unknown>; object?: Record<string, unknown> }
  const parent = (
    controller.type === 'decorator' && hook !== 'customize' ? request.object : request.parent
  ) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }
  const types =
    controller.type === 'composite'
      ? [
          {
            apiVersion: controller.parent.apiVersion,
            kind: controller.parent.kind,
            scope: controller.parent.scope,
          },
        ]
      : controller.resources
  const type = types.find((t) => t.apiVersion === parent.apiVersion && t.kind === parent.kind)
  if (!type || !isValidName(nameRule(parent.apiVersion, parent.kind), parent.metadata.name))
    return false
  const namespaced = (parent.metadata.namespace ?? '') !== ''
  if (
    (type.scope === 'Namespaced') !== namespaced ||
    (namespaced && !isValidNamespace(parent.metadata.namespace!))
  )
    return false
  // Customize and finalize answer without a spec that parses (cleanup must not hang on it).
  const finalizing =
    (input as { finalizing?: unknown }).finalizing === true && controller.finalize !== undefined
  if (hook === 'customize' || finalizing) return true
  try {
    controller.parseSpec(parent as never)
  } catch {
    return false
  }
  return true
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The request the exchange carries, as the server would read it; undefined when it is not JSON at all. */
export function decodeBody(body: Uint8Array | undefined): unknown {
  if (!body) return undefined
  try {
    return JSON.parse(decoder.decode(body))
  } catch {
    return undefined
  }
}

export interface Answer {
  status: number
  body: Uint8Array
}

/** One line of printable text: no control, format, surrogate, private-use or unassigned character, no line or paragraph separator. */
export const ONE_PRINTABLE_LINE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]*$/u

/** Every rule the answer breaks; empty when it is acceptable. */
export function judge(exchange: Exchange, answer: Answer, maxBodyBytes: number): string[] {
  const problems: string[] = []
  if (answer.status >= 500)
    problems.push(
      `answered ${answer.status}: ${new TextDecoder().decode(answer.body).slice(0, 300)}`,
    )
  if (answer.status !== 200) {
    // Error bodies become Kubernetes Events: one printable line, short.
    const text = new TextDecoder().decode(answer.body)
    if (!ONE_PRINTABLE_LINE.test(text) || text.length > 1024)
      problems.push(
        `${answer.status} body is not one short printable line: ${JSON.stringify(text.slice(0, 300))}`,
      )
    return problems
  }
  // The client normalizes the path (`/./` is `/`) before it is sent; judge what the server saw.
  const path = new URL(exchange.path, 'http://hooks.test').pathname
  const readOnly =
    (exchange.method === 'GET' || exchange.method === 'HEAD') &&
    ['/', '/healthz', '/readyz'].includes(path)
  if (readOnly) return problems
  const isHookCall = exchange.method === 'POST' && path === exchange.seed.path
  const [type, ...parameters] = (exchange.contentType ?? '').split(';')
  const charsets = parameters
    .filter((p) => /^\s*charset\s*=/i.test(p))
    .map((p) =>
      p
        .split('=')[1]!
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    )
  const jsonType =
    type!.trim().toLowerCase() === 'application/json' &&
    charsets.every((c) => c === 'utf-8' || c === 'utf8')
  if (!isHookCall || !jsonType)
    return [
      ...problems,
      `200 for ${exchange.method} ${exchange.path} with Content-Type ${JSON.stringify(exchange.contentType)}`,
    ]
  if ((exchange.body?.length ?? 0) > maxBodyBytes)
    problems.push(`200 for a body over the limit (${exchange.body!.length} bytes)`)
  const input = decodeBody(exchange.body)
  if (input === undefined) return [...problems, '200 for a body that is not JSON in UTF-8']
  if (!mayAnswer200(exchange.seed.controller, exchange.seed.hook, input))
    problems.push('200 for a request that breaks the contract, the parent rules or the spec schema')
  let response: unknown
  try {
    response = JSON.parse(new TextDecoder().decode(answer.body))
  } catch {
    return [...problems, '200 whose body is not JSON']
  }
  const allowed =
    exchange.seed.hook === 'customize'
      ? ['relatedResources']
      : [
          'status',
          'children',
          'labels',
          'annotations',
          'attachments',
          'resyncAfterSeconds',
          'finalized',
        ]
  const keys = Object.keys(response as object)
  const unknown = keys.filter((k) => !allowed.includes(k))
  if (unknown.length) problems.push(`200 with undocumented keys ${unknown.join(', ')}`)
  return problems
}

export interface Tally {
  runs: number
  byCategory: Record<string, number>
  byStatus: Record<string, number>
}

export function tally(): Tally {
  return { runs: 0, byCategory: {}, byStatus: {} }
}

export function count(t: Tally, exchange: Exchange, status: number): void {
  t.runs++
  t.byCategory[exchange.category] = (t.byCategory[exchange.category] ?? 0) + 1
  t.byStatus[status] = (t.byStatus[status] ?? 0) + 1
}

/** Sends one exchange to a real server over loopback. */
export async function send(url: string, exchange: Exchange): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (exchange.contentType !== undefined) headers['Content-Type'] = exchange.contentType
  const res = await fetch(`${url}${exchange.path}`, {
    method: exchange.method,
    headers,
    ...(exchange.body && { body: exchange.body as Uint8Array<ArrayBuffer> }),
  })
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) }
}

/** The body limit the fuzz server runs with: small enough that "huge" requests cross it. */
export const FUZZ_MAX_BODY = 1024 * 1024

/**
 * The real Node server the fuzzer talks to, with a pinned clock (so repeated requests can be
 * compared byte for byte); its 5xx log lines go to `errors`, whose last explains a failure.
 */
export function startFuzzServer(errors: LogLine[]): Promise<RunningServer> {
  return startNodeServer({
    host: '127.0.0.1',
    port: 0,
    env: { METAHOOKS_MAX_BODY_BYTES: String(FUZZ_MAX_BODY), METAHOOKS_MAX_CONCURRENCY: '0' },
    log: (line) => {
      if (Number(line.status) >= 500 || line.msg === 'unhandled error') errors.push(line)
    },
    clock: () => new Date('2026-11-22T12:00:00Z'),
  })
}
