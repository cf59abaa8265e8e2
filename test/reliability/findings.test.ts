import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { runHook } from '../../hooks/core/run.ts'
import { goldenRequest, loadGoldenCases } from '../../hooks/core/testing/golden.ts'
import propagate from '../../hooks/propagate/index.ts'
import workflow from '../../hooks/workflow/index.ts'
import mypod from '../../hooks/mypod/index.ts'
import { ROOT } from '../fixtures/server.ts'

// Each case is a request the fuzzer once turned into a 500 (a crash or a failed response check);
// each must now be refused as bad input (4xx), and the untouched request must still be a 200.

type Request = Record<string, any>

async function goldenCall(definition: ControllerDefinition, file: string) {
  const c = loadGoldenCases(join(ROOT, 'test/golden', definition.name)).find(
    (g) => g.name === file,
  )!
  const { hook, request } = await goldenRequest(definition, c)
  return {
    hook,
    request: request as Request,
    now: c.now ? new Date(c.now) : new Date('2026-11-22T12:00:00Z'),
  }
}

const firstEntry = (map: Record<string, Record<string, Request>>, group: string) =>
  Object.values(map[group]!)[0]!

describe('inputs the fuzzer found', () => {
  it.each([
    {
      name: 'a related ConfigMap whose data holds a null',
      reason:
        'propagate copied it and the response check failed (500); related objects are now checked as read',
      definition: propagate as ControllerDefinition,
      golden: '01-namespace',
      damage: (r: Request) => {
        firstEntry(r.related, 'ConfigMap.v1').data = { key: null }
      },
      status: 400,
      message: /related ConfigMap .* is malformed: data\.key/,
    },
    {
      name: 'an observed object with a number as a label value',
      reason:
        'labels are string maps in every Kubernetes object; a controller copying them produced an invalid child',
      definition: propagate as ControllerDefinition,
      golden: '01-namespace',
      damage: (r: Request) => {
        firstEntry(r.related, 'ConfigMap.v1').metadata.labels = { team: 7 }
      },
      status: 400,
      message: /expected a Kubernetes object/,
    },
    {
      name: 'a related object filed under another type, with a 10,000-character kind',
      reason:
        'propagate copied the kind and the response check failed (500) with the whole kind in the message',
      definition: propagate as ControllerDefinition,
      golden: '01-namespace',
      damage: (r: Request) => {
        firstEntry(r.related, 'ConfigMap.v1').kind = 'x'.repeat(10_000)
      },
      status: 400,
      message:
        /^(?=.{0,600}$).*related\.ConfigMap\.v1\..*object is not of the type its group names/,
    },
    {
      name: 'a Workflow whose status.nodes holds a null',
      reason: 'the engine read its memory without checking it and threw (500)',
      definition: workflow as ControllerDefinition,
      golden: '02-dag-midway',
      damage: (r: Request) => {
        const nodes = r.parent.status.nodes
        nodes[Object.keys(nodes)[0]!] = null
      },
      status: 422,
      message: /parent status does not hold what workflow records: status\.nodes\./,
    },
    {
      name: 'a volume claim template field nested 6,000 levels deep',
      reason:
        'serializing the response exhausted the stack (500); nesting that deep is refused as bad input',
      definition: workflow as ControllerDefinition,
      golden: '01-single-job',
      damage: (r: Request) => {
        let deep: unknown = 1
        for (let i = 0; i < 6000; i++) deep = [deep]
        r.parent.spec.volumeClaimTemplates = [
          { metadata: { name: 'work' }, spec: { accessModes: ['ReadWriteOnce'], selector: deep } },
        ]
      },
      status: 400,
      message: /nests deeper than 1000 levels/,
    },
  ])('$name: $status ($reason)', async ({ definition, golden, damage, status, message }) => {
    const { hook, request, now } = await goldenCall(definition, golden)
    const intact = await runHook(definition, hook, structuredClone(request), { now })
    expect(intact.ok).toBe(true)
    const broken = structuredClone(request)
    damage(broken)
    const outcome = await runHook(definition, hook, broken, { now })
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(status)
    expect(outcome.message).toMatch(message)
  })

  it('a stack overflow on a shallow request stays a 500: it is a bug, not bad input', async () => {
    const recursive = {
      ...mypod,
      name: 'recursive',
      sync: () => {
        const f = (n: number): number => f(n + 1) + 1
        return { children: [], status: { n: f(0) } }
      },
    } as ControllerDefinition
    const { hook, request } = await goldenCall(mypod, '01-fresh')
    const outcome = await runHook(recursive, hook, request)
    expect(outcome).toMatchObject({ ok: false, status: 500 })
  })
})
