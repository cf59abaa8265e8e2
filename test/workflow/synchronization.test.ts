import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { LOCK_LABEL, locksOf, slotObject } from '../../hooks/workflow/synchronization.ts'
import { container, held, named, START, wf } from './helpers.ts'

const job = container('job')
const mutexSpec = {
  entrypoint: 'job',
  synchronization: { mutexes: [{ name: 'deploy' }] },
  templates: [job],
}
const semaphoreSpec = {
  entrypoint: 'job',
  synchronization: { semaphore: { configMapKeyRef: { name: 'limits', key: 'builds' } } },
  templates: [job],
}
const MUTEX = locksOf(mutexSpec.synchronization as never, 'default')[0]!
const SEMAPHORE = locksOf(semaphoreSpec.synchronization as never, 'default')[0]!

const limits = (builds: string) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'limits', namespace: 'default' },
    data: { builds },
  }) as KObject

async function sync(parent: KObject, related: KObject[], observed: KObject[] = []) {
  const outcome = await runHook(
    workflow,
    'sync',
    compositeRequest(workflow, { parent, related, observed }),
    { now: new Date('2026-01-01T00:10:00Z') },
  )
  if (!outcome.ok) throw new Error(`${outcome.status} ${outcome.message}`)
  return outcome.response as { children: KObject[]; status: Record<string, any> }
}
const names = (children: KObject[]) => children.map((c) => `${c.kind}/${c.metadata.name}`)

describe('workflow: synchronization', () => {
  it('a free mutex: the workflow takes its slot, runs once it holds it, and gives it back when it ends', async () => {
    const sim = new Simulation(workflow, { parent: named('me', mutexSpec, 0), startTime: START })
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status!.phase).toBe('Succeeded')
    const created = result.rounds.flatMap((r) =>
      r.actions.filter((a) => a.type === 'created').map((a) => a.object),
    )
    const slot = `ConfigMap default/${slotObject(MUTEX, 0, 'me').metadata.name}`
    // The slot first, the Pod only once the slot was there; the slot deleted at the end.
    expect(created[0]).toBe(slot)
    expect(created[1]).toMatch(/^Pod default\/me-job-/)
    expect(
      result.rounds.flatMap((r) =>
        r.actions.filter((a) => a.type === 'deleted').map((a) => a.object),
      ),
    ).toContain(slot)
    expect(sim.objects().some((o) => o.kind === 'ConfigMap')).toBe(false)
  })

  const cases: {
    name: string
    reason: string
    me: KObject
    related: KObject[]
    children: string[]
    phase: string
    message?: RegExp
    sync?: Record<string, unknown>
  }[] = [
    {
      name: 'a mutex another workflow holds',
      reason: 'waits without asking for anything, and says who holds it',
      me: named('me', mutexSpec, 1),
      related: [named('other', mutexSpec, 0, 'Running'), held(MUTEX, 0, 'other')],
      children: [],
      phase: 'Pending',
      message: /^Waiting for default\/Mutex\/deploy lock\. Lock status: 0\/1$/,
      sync: { mutex: { waiting: [{ mutex: 'default/Mutex/deploy', holder: 'other' }] } },
    },
    {
      name: 'a mutex held by a workflow that ended',
      reason: 'its slot is still there until its owner gives it back: wait',
      me: named('me', mutexSpec, 1),
      related: [named('other', mutexSpec, 0, 'Succeeded'), held(MUTEX, 0, 'other')],
      children: [],
      phase: 'Pending',
    },
    {
      name: 'a free mutex, an older workflow waiting for it',
      reason: 'the oldest waiting workflow takes the free slot, not whoever syncs first',
      me: named('me', mutexSpec, 2),
      related: [named('older', mutexSpec, 1)],
      children: [],
      phase: 'Pending',
    },
    {
      name: 'a free mutex, an older workflow waiting for it, this one of higher priority',
      reason: "Argo's spec.priority comes before age: the higher takes the slot",
      me: named('me', { ...mutexSpec, priority: 5 }, 2),
      related: [named('older', mutexSpec, 1)],
      children: [`ConfigMap/${slotObject(MUTEX, 0, 'me').metadata.name}`],
      phase: 'Pending',
    },
    {
      name: 'a free mutex, a younger workflow of higher priority waiting for it',
      reason: 'priority first: the older one waits',
      me: named('me', mutexSpec, 1),
      related: [named('younger', { ...mutexSpec, priority: 1 }, 2)],
      children: [],
      phase: 'Pending',
    },
    {
      name: 'a free mutex, a younger workflow waiting for it',
      reason: 'this one is first in line: it takes the slot (and runs once the slot is its own)',
      me: named('me', mutexSpec, 1),
      related: [named('younger', mutexSpec, 2)],
      children: [`ConfigMap/${slotObject(MUTEX, 0, 'me').metadata.name}`],
      phase: 'Pending',
    },
    {
      name: 'a semaphore of 2, one slot taken, an older workflow waiting',
      reason: 'the older one gets the last slot',
      me: named('me', semaphoreSpec, 3),
      related: [
        limits('2'),
        named('a', semaphoreSpec, 0, 'Running'),
        held(SEMAPHORE, 0, 'a'),
        named('b', semaphoreSpec, 1),
      ],
      children: [],
      phase: 'Pending',
      message: /Lock status: 1\/2$/,
      sync: {
        semaphore: { waiting: [{ semaphore: 'default/ConfigMap/limits/builds', holders: ['a'] }] },
      },
    },
    {
      name: 'a semaphore of 3, one slot taken, an older workflow waiting',
      reason: 'two slots free, two in line: both take one (slot 1 the older, slot 2 this one)',
      me: named('me', semaphoreSpec, 3),
      related: [
        limits('3'),
        named('a', semaphoreSpec, 0, 'Running'),
        held(SEMAPHORE, 0, 'a'),
        named('b', semaphoreSpec, 1),
      ],
      children: [`ConfigMap/${slotObject(SEMAPHORE, 2, 'me').metadata.name}`],
      phase: 'Pending',
    },
    {
      name: 'holding its semaphore slot',
      reason: 'runs: its Pod is asked for, its slot kept',
      me: named('me', semaphoreSpec, 3),
      related: [limits('1'), held(SEMAPHORE, 0, 'me')],
      children: ['Pod/me-job-', `ConfigMap/${slotObject(SEMAPHORE, 0, 'me').metadata.name}`],
      phase: 'Pending',
      sync: {
        semaphore: { holding: [{ semaphore: 'default/ConfigMap/limits/builds', holders: ['me'] }] },
      },
    },
    {
      name: 'a semaphore without its ConfigMap',
      reason: 'waits, naming what is missing',
      me: named('me', semaphoreSpec, 3),
      related: [],
      children: [],
      phase: 'Pending',
      message:
        /^Waiting for default\/ConfigMap\/limits\/builds lock: ConfigMap limits \(the semaphore's limit\) is not there$/,
    },
    {
      name: 'a limit that is not a number',
      reason: 'waits, naming the value',
      me: named('me', semaphoreSpec, 3),
      related: [limits('many')],
      children: [],
      phase: 'Pending',
      message: /key builds is "many", not a whole number/,
    },
  ]
  it.each(cases)('$name', async ({ me, related, children, phase, message, sync: expected }) => {
    const out = await sync(me, related)
    const got = names(out.children)
    expect(got.length).toBe(children.length)
    children.forEach((c, i) => expect(got[i]!.startsWith(c)).toBe(true))
    expect(out.status.phase).toBe(phase)
    if (message) expect(out.status.message).toMatch(message)
    if (expected) expect(out.status.synchronization).toEqual(expected)
  })

  it('a workflow that has started is never held back, even if its slot went: its Pods stay in the answer', async () => {
    const me = named('me', mutexSpec, 1)
    const first = await sync(me, [held(MUTEX, 0, 'me')])
    const pod = first.children.find((c) => c.kind === 'Pod')!
    const running = { ...me, status: first.status } as KObject
    const out = await sync(
      running,
      [named('other', mutexSpec, 0, 'Running'), held(MUTEX, 0, 'other')],
      [
        {
          ...pod,
          metadata: { ...pod.metadata, namespace: 'default' },
          status: { phase: 'Running' },
        } as KObject,
      ],
    )
    expect(names(out.children)).toContain(`Pod/${pod.metadata.name}`)
  })

  it('asks Metacontroller for the lock slots and the namespace Workflows only when it synchronizes', async () => {
    const rules = async (parent: KObject) => {
      const outcome = await runHook(
        workflow,
        'customize',
        compositeRequest(workflow, { parent }),
        {},
      )
      return outcome.ok
        ? (outcome.response.relatedResources as { resource: string; labelSelector?: unknown }[])
        : []
    }
    expect(await rules(named('me', mutexSpec, 0))).toEqual(
      expect.arrayContaining([
        {
          apiVersion: 'v1',
          resource: 'configmaps',
          labelSelector: { matchExpressions: [{ key: LOCK_LABEL, operator: 'Exists' }] },
        },
        {
          apiVersion: 'workflows.metahooks.dev/v1alpha1',
          resource: 'workflows',
          labelSelector: {},
        },
      ]),
    )
    expect(
      (await rules(named('me', { entrypoint: 'job', templates: [job] }, 0))).some(
        (r) => r.resource === 'workflows',
      ),
    ).toBe(false)
  })

  const invalid: { name: string; spec: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'a lock in another namespace',
      spec: { ...mutexSpec, synchronization: { mutex: { name: 'm', namespace: 'other' } } },
      error:
        /spec\.synchronization: mutex m is in namespace other; locks in another namespace than the workflow's are not supported/,
    },
    {
      name: "a template's lock in another namespace",
      spec: {
        entrypoint: 'job',
        templates: [{ ...job, synchronization: { mutex: { name: 'm', namespace: 'other' } } }],
      },
      error:
        /template job: synchronization: mutex m is in namespace other; locks in another namespace than the workflow's are not supported/,
    },
    {
      name: 'a database lock',
      spec: { ...mutexSpec, synchronization: { mutexes: [{ name: 'm', database: true }] } },
      error: /database: database-backed locks is not supported/,
    },
  ]
  it.each(invalid)('422: $name', async ({ spec, error }) => {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: wf(spec) }),
      { now: new Date(START) },
    )
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    expect(outcome.ok ? '' : outcome.message).toMatch(error)
  })
})
