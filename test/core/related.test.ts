import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KObject, ObjectMap } from '../../hooks/core/contract/objects.ts'
import { groupKey } from '../../hooks/core/contract/objectmap.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { runHook } from '../../hooks/core/run.ts'
import { controllers } from '../../hooks/registry.ts'
import usergroups from '../../hooks/usergroups/index.ts'
import { mutate, mutation } from '../fixtures/mutate.ts'
import { loadSeeds, type Seed } from '../stress/harness.ts'

// A related object the hook cannot read must never shrink the child list: Metacontroller deletes
// every child missing from a 200. Either the hook keeps what it would have kept, or it refuses the
// call (4xx) and nothing changes.

const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261130
    : undefined
if (seed !== undefined) fc.configureGlobal({ seed })

const childKeys = (response: Record<string, unknown>) =>
  new Set(
    ((response.children ?? response.attachments) as KObject[]).map(
      (c) => `${c.kind} ${c.metadata.namespace ?? ''}/${c.metadata.name}`,
    ),
  )

let withRelated: (Seed & { related: [string, string][] })[]
beforeAll(async () => {
  withRelated = (await loadSeeds())
    .filter((s) => s.hook !== 'customize')
    .map((s) => {
      const related = ((s.request as { related?: ObjectMap }).related ?? {}) as ObjectMap
      return {
        ...s,
        related: Object.entries(related).flatMap(([group, entries]) =>
          Object.keys(entries).map((key): [string, string] => [group, key]),
        ),
      }
    })
    .filter((s) => s.related.length > 0)
})

describe('the usergroups case', () => {
  const user = (name: string, group: string, email = `${name}@kiamol.net`) =>
    ({
      apiVersion: 'ch20.kiamol.net/v1',
      kind: 'User',
      metadata: { name },
      spec: { email, group },
    }) as KObject
  const call = (users: KObject[]) =>
    runHook(
      usergroups,
      'sync',
      compositeRequest(usergroups, {
        parent: {
          apiVersion: 'ch20.kiamol.net/v1',
          kind: 'UserGroups',
          metadata: { name: 'kiamol' },
          spec: {},
        } as KObject,
        related: users,
      }),
    )

  it("a group's only User turned invalid refuses the call (400), so its Namespace is not deleted", async () => {
    const outcome = await call([user('sre3', 'sre'), user('tester3', 'Not A Label')])
    expect(outcome).toMatchObject({ ok: false, status: 400 })
    expect(!outcome.ok && outcome.message).toMatch(
      /related User tester3 is malformed: spec\.group: /,
    )
  })

  it.each(['someone@localhost', 'Some One <someone@example.com>'])(
    'the email %j, which the API server accepts, is accepted here too',
    async (email) => {
      const outcome = await call([user('sre3', 'sre', email)])
      expect(outcome).toMatchObject({ ok: true, response: { status: { users: 1 } } })
    },
  )
})

describe('every controller with related objects: a damaged related object never shrinks the child list', () => {
  it('every related type of the catalogue declares what the controller reads of it', () => {
    for (const c of controllers)
      for (const r of c.related)
        if (!(r.apiVersion === 'v1' && r.resource === 'namespaces'))
          expect(r.observed, `${c.name}: ${r.resource}`).toBeDefined()
  })

  it('random damage to one related object: 4xx, or a 200 keeping every child — unless the object still reads as valid', async () => {
    expect(withRelated.length).toBeGreaterThan(0)
    const baselines = new Map<Seed, Set<string>>()
    for (const s of withRelated) {
      const outcome = await runHook(s.controller, s.hook, s.request)
      if (!outcome.ok) throw new Error(`${s.path}: golden request refused: ${outcome.message}`)
      baselines.set(s, childKeys(outcome.response))
    }
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 2 }),
        async (which, pick, mutations) => {
          const s = withRelated[which % withRelated.length]!
          const [group, key] = s.related[pick % s.related.length]!
          const request = structuredClone(s.request) as { related: ObjectMap }
          const damaged = JSON.parse(
            JSON.stringify(mutations.reduce<unknown>(mutate, request.related[group]![key])) ??
              'null',
          ) as KObject
          request.related[group]![key] = damaged
          const outcome = await runHook(s.controller, s.hook, request)
          expect(outcome.status).toBeLessThan(500)
          if (!outcome.ok) return
          const kept = childKeys(outcome.response)
          const lost = [...baselines.get(s)!].filter((k) => !kept.has(k))
          if (lost.length === 0) return
          // A child may go only because the object changed in a way the controller reads as valid.
          const type = s.controller.related.find(
            (r) => group === groupKey(r.apiVersion, r.kind ?? ''),
          )
          const valid = type?.observed?.safeParse(damaged).success ?? false
          expect(
            valid,
            `${s.path}: lost ${lost.join(', ')} for a related object its schema refuses: ${JSON.stringify(damaged).slice(0, 300)}`,
          ).toBe(true)
        },
      ),
      { numRuns: 600 },
    )
  })
})
