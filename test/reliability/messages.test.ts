import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compositeRequest, decoratorRequest } from '../../hooks/core/testing/requests.ts'
import { startNodeServer, type RunningServer } from '../../hooks/node.ts'
import mypod from '../../hooks/mypod/index.ts'
import propagate from '../../hooks/propagate/index.ts'
import servicePerPod from '../../hooks/service-per-pod/index.ts'
import { post, testApp } from '../fixtures/app.ts'
import { one } from '../fixtures/examples.ts'
import { paths, type Path } from '../fixtures/mutate.ts'
import { myPodParent } from '../fixtures/mypod.ts'
import { loadSeeds, ONE_PRINTABLE_LINE, type Seed } from '../stress/harness.ts'

// Error bodies become Kubernetes Events (Metacontroller copies them in): every one is a single
// line of printable text, whatever the input it quotes. And a root object whose name or namespace
// the API server could never have stored is refused, not answered with children named after it.

const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261129
    : undefined
if (seed !== undefined) fc.configureGlobal({ seed })

const nasty = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom(
    'a\nb',
    'x\r\nSet-Cookie: y',
    '\u001b[31mred',
    'line\u2028sep',
    'evil\u202egnp.exe',
    '\ud800',
    'nul\u0000',
    'nel\u0085',
    '\ufeffbom',
    'tab\tx',
  ),
)

/** Puts `text` at a random place of `value`: as a string value, or as a key in place of another. */
function inject(value: unknown, pick: number, text: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>
  const all = paths(copy)
  const path: Path = all[pick % all.length]!
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], copy) as Record<
    string | number,
    unknown
  >
  const last = path.at(-1)!
  if (Array.isArray(parent) || typeof parent[last] === 'string') parent[last] = text
  else {
    parent[text] = parent[last]
    delete parent[last]
  }
  return copy
}

let seeds: Seed[]
let server: RunningServer
beforeAll(async () => {
  seeds = await loadSeeds()
  server = await startNodeServer({ host: '127.0.0.1', port: 0, env: {}, log: () => {} })
})
afterAll(() => server.shutdown('test done'))

describe('every error body is one line of printable text', () => {
  it("controls, separators, bidi overrides and lone surrogates anywhere in any controller's request", async () => {
    const { app } = testApp()
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), nasty, async (which, pick, text) => {
        const s = seeds[which % seeds.length]!
        const res = await app.request(post(s.path, JSON.stringify(inject(s.request, pick, text))))
        const body = await res.text()
        if (res.status !== 200) {
          expect(body).toMatch(ONE_PRINTABLE_LINE)
          expect(body.length).toBeLessThanOrEqual(1024)
        }
      }),
      { numRuns: 1500 },
    )
  })

  it.each([
    '%0A',
    '%0D%0ASet-Cookie:%20x',
    '%1B%5B31m',
    '%E2%80%A8',
    '%E2%80%AE',
    '%C2%85',
    '%00',
    '%FF',
  ])('a path with %s: 404 on one line', async (encoded) => {
    const res = await fetch(`${server.url}/nope${encoded}/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(404)
    const body = await res.text()
    expect(body).toMatch(ONE_PRINTABLE_LINE)
    expect(body).toMatch(/^no route POST "\/nope.*\/sync"; GET \/ lists the controllers$/)
  })
})

describe('a root object the API server could not have stored is refused (400)', () => {
  const statefulSet = one('service-per-pod.yaml')
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', labels: {} },
  }
  const cases = [
    ...['A_B', 'été', 'a\nb', '-a', 'a.', 'x'.repeat(254), ''].map((name) => ({
      name: `MyPod named ${JSON.stringify(name.slice(0, 12))}`,
      path: '/mypod/sync',
      request: compositeRequest(mypod, { parent: myPodParent(undefined, name) }),
      message: /parent name ".*" is not a valid MyPod name \(a DNS-1123 subdomain|metadata\.name/,
    })),
    ...['../x', 'x'.repeat(5000), 'kube_system', 'Default', 'a.b'].map((ns) => ({
      name: `MyPod in namespace ${JSON.stringify(ns.slice(0, 12))}`,
      path: '/mypod/sync',
      request: compositeRequest(mypod, {
        parent: { ...myPodParent(), metadata: { ...myPodParent().metadata, namespace: ns } },
      }),
      message: /parent namespace ".*" is not a valid namespace name \(a DNS-1123 label/,
    })),
    {
      name: 'StatefulSet named "Web_0"',
      path: '/service-per-pod/sync',
      request: decoratorRequest(servicePerPod, {
        parent: { ...statefulSet, metadata: { ...statefulSet.metadata, name: 'Web_0' } },
      }),
      message: /object name "Web_0" is not a valid StatefulSet name/,
    },
    {
      name: 'Namespace named "a.b" (a label, not a subdomain)',
      path: '/propagate/sync',
      request: decoratorRequest(propagate, {
        parent: { ...namespace, metadata: { name: 'a.b' } } as never,
      }),
      message: /object name "a\.b" is not a valid Namespace name \(a DNS-1123 label/,
    },
  ]
  it.each(cases)('$name', async ({ path, request, message }) => {
    const { app } = testApp()
    const res = await app.request(post(path, request))
    const body = await res.text()
    expect(res.status).toBe(400)
    expect(body).toMatch(message)
    expect(body).toMatch(ONE_PRINTABLE_LINE)
  })

  it.each([
    {
      name: 'a 253-character MyPod name',
      path: '/mypod/sync',
      request: compositeRequest(mypod, {
        parent: myPodParent(
          undefined,
          `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
        ),
      }),
    },
    {
      name: 'a 63-character namespace',
      path: '/mypod/sync',
      request: compositeRequest(mypod, {
        parent: {
          ...myPodParent(),
          metadata: { ...myPodParent().metadata, namespace: 'n'.repeat(63) },
        },
      }),
    },
    {
      name: 'a Namespace named "team-a"',
      path: '/propagate/sync',
      request: decoratorRequest(propagate, { parent: namespace as never }),
    },
  ])('still 200: $name', async ({ path, request }) => {
    const { app } = testApp()
    expect((await app.request(post(path, request))).status).toBe(200)
  })
})
