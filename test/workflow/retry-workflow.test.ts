import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { NODE_NAME_ANNOTATION } from '../../hooks/workflow/pods.ts'
import { RETRY_ANNOTATION } from '../../hooks/workflow/retry-workflow.ts'
import { locksOf } from '../../hooks/workflow/synchronization.ts'
import {
  container,
  held,
  named,
  nodes,
  outcomes,
  phases,
  pods,
  simulate,
  START,
  wf,
  type StepOutcome,
} from './helpers.ts'

const FAIL: StepOutcome = { exitCode: 1 }
const OK: StepOutcome = { exitCode: 0 }

/** Sets the retry annotation (and any spec fields), as `kubectl annotate` or the UI's Retry does. */
function askRetry(sim: Simulation, request: string, spec: Record<string, unknown> = {}): void {
  sim.updateParent((p) => ({
    ...p,
    metadata: {
      ...p.metadata,
      annotations: { ...p.metadata.annotations, [RETRY_ANNOTATION]: request },
    },
    spec: { ...(p.spec as object), ...spec },
  }))
}

/** A simulation that counts the Pods run for each display name (`two`, `flaky(0)`), by uid. */
function simulateCounting(
  spec: Record<string, unknown>,
  table: Record<string, StepOutcome | StepOutcome[]> = {},
) {
  const decide = outcomes(table)
  const ran = new Map<string, Set<string>>()
  const sim = new Simulation(workflow, {
    parent: wf(spec),
    startTime: START,
    podOutcome: (pod) => {
      const node = pod.metadata.annotations?.[NODE_NAME_ANNOTATION] ?? ''
      const name = node.split('.').pop()!
      ran.set(name, (ran.get(name) ?? new Set()).add(pod.metadata.uid!))
      return decide(pod)
    },
  })
  return { sim, podRuns: (name: string) => ran.get(name)?.size ?? 0 }
}

const steps = {
  entrypoint: 'main',
  templates: [
    {
      name: 'main',
      steps: [[{ name: 'one', template: 'job' }], [{ name: 'two', template: 'job' }]],
    },
    container('job'),
  ],
}

const dag = {
  entrypoint: 'main',
  templates: [
    {
      name: 'main',
      dag: {
        tasks: [
          { name: 'fetch', template: 'job' },
          { name: 'build', template: 'job' },
          { name: 'test', template: 'job', dependencies: ['build'] },
          { name: 'ship', template: 'job', dependencies: ['test', 'fetch'] },
        ],
      },
    },
    container('job'),
  ],
}

describe('workflow: retrying a failed workflow (the retry annotation)', () => {
  it('steps: what succeeded stays, the failed step runs again, and the workflow ends Succeeded', async () => {
    const { sim, podRuns } = simulateCounting(steps, { one: [OK, FAIL], two: [FAIL, OK] })
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Failed' })
    const firstStart = nodes(sim)
    const oneBefore = Object.values(firstStart).find((n) => n.displayName === 'one')!
    askRetry(sim, 'first')
    await sim.run()
    expect(sim.status).toMatchObject({
      phase: 'Succeeded',
      progress: '2/2',
      retry: { request: 'first', count: 1 },
    })
    // `one` would fail had it run again; its node is the one recorded before the retry.
    expect(podRuns('one')).toBe(1)
    expect(podRuns('two')).toBe(2)
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'one')).toEqual(oneBefore)
    const retriedAt = (sim.status!.retry as { retriedAt: string }).retriedAt
    expect(sim.status!.startedAt).toBe(retriedAt)
    expect(Date.parse(sim.status!.finishedAt as string)).toBeGreaterThan(Date.parse(retriedAt))
    expect(sim.status!.message).toBeUndefined()
  })

  it('a DAG: the failed task and what waited on it run; independent successes do not', async () => {
    const { sim, podRuns } = simulateCounting(dag, { fetch: [OK, FAIL], test: [FAIL, OK] })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    expect(phases(sim).ship).not.toBe('Succeeded')
    askRetry(sim, '2026-01-01T00:10:00Z')
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(phases(sim)).toMatchObject({
      fetch: 'Succeeded',
      build: 'Succeeded',
      test: 'Succeeded',
      ship: 'Succeeded',
    })
    expect([podRuns('fetch'), podRuns('build'), podRuns('test')]).toEqual([1, 1, 2])
    expect(podRuns('ship')).toBe(1)
  })

  it('retryStrategy starts over from attempt 0 when its attempts all failed; one that succeeded keeps its attempts', async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [
              { name: 'flaky', template: 'retried' },
              { name: 'broken', template: 'retried' },
            ],
          ],
        },
        { ...container('retried'), retryStrategy: { limit: 1 } },
      ],
    }
    const { sim, podRuns } = simulateCounting(spec, {
      flaky: [FAIL, OK, FAIL],
      broken: [FAIL, FAIL, OK],
    })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    askRetry(sim, 'again')
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    const byName = Object.fromEntries(Object.values(nodes(sim)).map((n) => [n.name, n.phase]))
    expect(byName).toMatchObject({
      'wf[0].flaky(0)': 'Failed',
      'wf[0].flaky(1)': 'Succeeded',
      'wf[0].broken(0)': 'Succeeded',
    })
    expect(byName['wf[0].broken(1)']).toBeUndefined()
    expect(podRuns('flaky(0)') + podRuns('flaky(1)')).toBe(2)
    expect(podRuns('broken(0)')).toBe(2)
  })

  it('the exit handler runs again at the end of the retried run, seeing its new status', async () => {
    const spec = {
      ...steps,
      onExit: 'report',
      templates: [
        ...steps.templates,
        {
          name: 'report',
          container: { image: 'alpine:3', command: ['sh', '-c', 'echo {{workflow.status}}'] },
        },
      ],
    }
    const { sim, podRuns } = simulateCounting(spec, { two: [FAIL, OK] })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    askRetry(sim, 'r1')
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(podRuns('onExit')).toBe(2)
    const exitPod = pods(sim).find((p) => p.metadata.name.includes('report'))
    expect(JSON.stringify(exitPod)).toContain('echo Succeeded')
  })

  it("a step that runs again runs its own exit handler and hooks again; a step kept keeps its handler's run", async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'one', template: 'job', onExit: 'cleanup' }],
            [
              {
                name: 'two',
                template: 'job',
                onExit: 'cleanup',
                hooks: {
                  running: { expression: 'steps.two.status == "Running"', template: 'cleanup' },
                },
              },
            ],
          ],
        },
        container('job'),
        container('cleanup'),
      ],
    }
    const { sim, podRuns } = simulateCounting(spec, { two: [FAIL, OK] })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    expect([podRuns('onExit'), podRuns('running')]).toEqual([2, 1])
    askRetry(sim, 'r1')
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    // one's handler is not run again (one was kept); two's is, after two's second run.
    expect([podRuns('onExit'), podRuns('running')]).toEqual([3, 2])
    expect(phases(sim)).toMatchObject({
      'one.onExit': 'Succeeded',
      'two.onExit': 'Succeeded',
      'two.hooks.running': 'Succeeded',
    })
  })

  it('steps after a rerun one are forgotten until it ends (as Argo resets what follows a failed node): their Pods are waited for too', async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'x', template: 'job', continueOn: { failed: true } }],
            [{ name: 'y', template: 'job' }],
            [{ name: 'z', template: 'job' }],
          ],
        },
        container('job'),
      ],
    }
    const { sim, podRuns } = simulateCounting(spec, { x: [FAIL, OK], z: [FAIL, OK] })
    await sim.run()
    expect(phases(sim)).toMatchObject({ x: 'Failed', y: 'Succeeded', z: 'Failed' })
    const podOf = (step: string) =>
      pods(sim).find((p) => p.metadata.annotations?.[NODE_NAME_ANNOTATION]?.endsWith(`.${step}`))!
    const before = ['x', 'y', 'z'].map((step) => podOf(step).metadata.uid).sort()
    askRetry(sim, 'r1')
    await sim.step()
    const waiting = (sim.status!.retry as { waitingForPods: { uid: string }[] }).waitingForPods
    expect(waiting.map((w) => w.uid).sort()).toEqual(before)
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect([podRuns('x'), podRuns('y'), podRuns('z')]).toEqual([2, 2, 2])
  })

  it('a large workflow (its finished Pods kept as finishedPods rows) retries the one item that failed', async () => {
    const spec = {
      entrypoint: 'main',
      templates: [
        { name: 'main', steps: [[{ name: 'n', template: 'job', withSequence: { count: '520' } }]] },
        container('job'),
      ],
    }
    const { sim, podRuns } = simulateCounting(spec, { 'n(7:7)': [FAIL, OK] })
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Failed', progress: '519/520' })
    expect((sim.status!.finishedPods as { rows: unknown[] }).rows.length).toBeGreaterThan(500)
    askRetry(sim, 'r1')
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Succeeded', progress: '520/520' })
    expect([podRuns('n(7:7)'), podRuns('n(6:6)'), podRuns('n(519:519)')]).toEqual([2, 1, 1])
  })

  it.each([
    {
      name: 'OnPodCompletion',
      reason: 'the failed Pod is gone before the retry: nothing to wait for',
    },
    { name: 'OnWorkflowCompletion', reason: 'every Pod went when the workflow failed' },
    {
      name: 'OnPodSuccess',
      reason: 'the failed Pod stayed and must go first; the succeeded ones are gone',
    },
  ])('with podGC $name ($reason), the retried run still ends Succeeded', async ({ name }) => {
    const { sim, podRuns } = simulateCounting(
      { ...steps, podGC: { strategy: name } },
      { two: [FAIL, OK] },
    )
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    askRetry(sim, 'r1')
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect([podRuns('one'), podRuns('two')]).toEqual([1, 2])
  })

  it('a workflow that ran out of its activeDeadlineSeconds gets the whole deadline again from the retry', async () => {
    const spec = {
      entrypoint: 'main',
      activeDeadlineSeconds: 30,
      templates: [{ name: 'main', steps: [[{ name: 'slow', template: 'job' }]] }, container('job')],
    }
    const { sim } = simulateCounting(spec)
    await sim.step()
    await sim.step()
    sim.cluster.now += 60_000
    await sim.run()
    const slow = () => Object.values(nodes(sim)).find((n) => n.displayName === 'slow')
    expect(sim.status!.phase).toBe('Failed')
    expect(slow()).toMatchObject({ message: 'the workflow exceeded its activeDeadlineSeconds' })
    askRetry(sim, 'r1')
    await sim.run()
    // Counted from the retry, 60 s after the first start, the deadline is not past: the step runs.
    expect(sim.status!.phase).toBe('Succeeded')
    expect(slow()).toMatchObject({ phase: 'Succeeded' })
  })

  const refusals: {
    name: string
    reason: string
    when: 'running' | 'succeeded' | 'shutdown'
    message: RegExp
  }[] = [
    {
      name: 'a running workflow',
      reason:
        'only a finished, failed run can be retried; the request is used up, not kept for a later failure',
      when: 'running',
      message: /not retried: the workflow was Running; only a Failed or Error workflow is retried/,
    },
    {
      name: 'a succeeded workflow',
      reason: 'nothing failed, so nothing would run again',
      when: 'succeeded',
      message: /not retried: the workflow was Succeeded/,
    },
    {
      name: 'a stopped workflow whose spec.shutdown is still set',
      reason: 'the retried run would stop at once; the status says to remove it in the same change',
      when: 'shutdown',
      message: /not retried: spec.shutdown is Stop/,
    },
  ]
  it.each(refusals)('refuses $name: $reason', async ({ when, message }) => {
    const sim = simulate(steps, { two: when === 'succeeded' ? OK : FAIL })
    if (when === 'running') await sim.step()
    else {
      if (when === 'shutdown') {
        await sim.step()
        sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), shutdown: 'Stop' } }))
      }
      await sim.run()
    }
    const phase = sim.status!.phase
    askRetry(sim, 'r1')
    await sim.run()
    expect(sim.status!.retry).toMatchObject({
      request: 'r1',
      count: 0,
      message: expect.stringMatching(message),
    })
    if (when !== 'running') expect(sim.status!.phase).toBe(phase)
    // Ended Failed after all, the running one is not retried by the request it was sent before.
    else expect(sim.status!.phase).toBe('Failed')
  })

  it('a stopped workflow is retried by a change that removes spec.shutdown with the new request', async () => {
    const sim = simulate(steps)
    await sim.step()
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), shutdown: 'Stop' } }))
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    askRetry(sim, 'r2', { shutdown: undefined })
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Succeeded', retry: { request: 'r2', count: 1 } })
    expect(sim.status!.retry).not.toHaveProperty('message')
  })

  it('retries count up, and a request already acted on does nothing again', async () => {
    const sim = simulate(steps, { two: [FAIL, FAIL, OK] })
    await sim.run()
    askRetry(sim, 'a')
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Failed', retry: { request: 'a', count: 1 } })
    const settled = JSON.stringify(sim.status)
    sim.updateParent((p) => ({ ...p, metadata: { ...p.metadata, labels: { touched: 'yes' } } }))
    await sim.run()
    expect(JSON.stringify(sim.status)).toBe(settled)
    askRetry(sim, 'b')
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Succeeded', retry: { request: 'b', count: 2 } })
  })
})

describe('workflow: a retried step waits for its failed Pod to be gone (same Pod name, as in Argo)', () => {
  const at = (s: number) => new Date(Date.parse('2026-01-01T01:00:00Z') + s * 1000)
  const sync = (parent: KObject, observed: readonly KObject[], seconds: number) =>
    runHook(workflow, 'sync', compositeRequest(workflow, { parent, observed }), {
      now: at(seconds),
    })

  async function failedRun() {
    const sim = simulate(steps, { two: FAIL })
    await sim.run()
    const failedPod = pods(sim).find(
      (p) => p.metadata.annotations?.[NODE_NAME_ANNOTATION] === 'wf[1].two',
    )!
    expect(failedPod.metadata.uid).toBeDefined()
    const parent = sim.parent!
    return {
      failedPod,
      retried: {
        ...parent,
        metadata: { ...parent.metadata, annotations: { [RETRY_ANNOTATION]: 'now' } },
      } as KObject,
      observed: pods(sim),
    }
  }
  const childNames = (r: { response: unknown }) =>
    ((r.response as { children: KObject[] }).children ?? []).map((c) => c.metadata.name)
  const statusOf = (r: { response: unknown }) =>
    (r.response as { status: Record<string, unknown> }).status

  it('the retry leaves the failed Pod out (Metacontroller deletes it) and names it until it is gone; then asks for the new one', async () => {
    const { failedPod, retried, observed } = await failedRun()
    const first = await sync(retried, observed, 0)
    if (!first.ok) throw new Error(first.message)
    expect(statusOf(first)).toMatchObject({
      phase: 'Running',
      retry: {
        request: 'now',
        count: 1,
        waitingForPods: [{ name: failedPod.metadata.name, uid: failedPod.metadata.uid }],
      },
    })
    expect(childNames(first)).not.toContain(failedPod.metadata.name)

    // Still there (being deleted): not read as the new attempt's end, not asked for, no 409.
    const terminating = {
      ...failedPod,
      metadata: { ...failedPod.metadata, deletionTimestamp: at(1).toISOString() },
    }
    const stillThere = observed.map((p) => (p === failedPod ? terminating : p))
    const second = await sync({ ...retried, status: statusOf(first) }, stillThere, 2)
    if (!second.ok) throw new Error(second.message)
    expect(childNames(second)).not.toContain(failedPod.metadata.name)
    expect(statusOf(second)).toMatchObject({
      phase: 'Running',
      retry: { waitingForPods: [{ uid: failedPod.metadata.uid }] },
    })
    expect(second.response).toMatchObject({ resyncAfterSeconds: 5 })

    // Gone: the new Pod of the same name is asked for, and the status stops naming the old one.
    const gone = observed.filter((p) => p !== failedPod)
    const third = await sync({ ...retried, status: statusOf(second) }, gone, 4)
    if (!third.ok) throw new Error(third.message)
    expect(childNames(third)).toContain(failedPod.metadata.name)
    expect(statusOf(third).retry).not.toHaveProperty('waitingForPods')

    // A status write lost after the new Pod was made: its uid differs, so it is read as the new attempt.
    const fresh = {
      ...failedPod,
      metadata: { ...failedPod.metadata, uid: 'new-uid' },
      status: { phase: 'Running' },
    }
    const fourth = await sync({ ...retried, status: statusOf(second) }, [...gone, fresh], 6)
    if (!fourth.ok) throw new Error(fourth.message)
    expect(childNames(fourth)).toContain(failedPod.metadata.name)
    expect(statusOf(fourth).retry).not.toHaveProperty('waitingForPods')
    expect(
      Object.values(statusOf(fourth).nodes as object).find((n) => n.displayName === 'two'),
    ).toMatchObject({ phase: 'Running' })
  })

  it('the same request gives the same answer, byte for byte', async () => {
    const { retried, observed } = await failedRun()
    const a = await sync(retried, observed, 0)
    const b = await sync(retried, observed, 0)
    if (!a.ok || !b.ok) throw new Error('refused')
    expect(JSON.stringify(b.response)).toBe(JSON.stringify(a.response))
  })

  it('a status.retry this controller did not write is a 422, not a guess', async () => {
    const { retried, observed } = await failedRun()
    const parent = {
      ...retried,
      status: { ...(retried.status as object), retry: { count: 'two' } },
    } as KObject
    const outcome = await sync(parent, observed, 0)
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    if (!outcome.ok) expect(outcome.message).toMatch(/status.retry/)
  })
})

describe('workflow: a retried workflow takes its locks again', () => {
  const spec = {
    entrypoint: 'job',
    synchronization: { mutex: { name: 'deploy' } },
    templates: [container('job')],
  }
  const MUTEX = locksOf(spec.synchronization as never, 'default')[0]!

  async function failed(): Promise<KObject> {
    const sim = new Simulation(workflow, {
      parent: named('wf', spec, 0),
      startTime: START,
      podOutcome: outcomes({ wf: FAIL }),
    })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    const parent = sim.parent!
    return {
      ...parent,
      metadata: { ...parent.metadata, annotations: { [RETRY_ANNOTATION]: 'r1' } },
    } as KObject
  }
  const sync = async (parent: KObject, related: KObject[]) => {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent, related }),
      { now: new Date('2026-01-01T01:00:00Z') },
    )
    if (!outcome.ok) throw new Error(`${outcome.status} ${outcome.message}`)
    return outcome.response as {
      children: KObject[]
      status: Record<string, any>
      resyncAfterSeconds?: number
    }
  }
  const kinds = (r: { children: KObject[] }) => r.children.map((c) => c.kind).sort()

  it('waits while another workflow holds the mutex, says so, and looks again', async () => {
    const parent = await failed()
    const other = named('other', spec, 5, 'Running')
    const answer = await sync(parent, [other, held(MUTEX, 0, 'other')])
    expect(answer.status).toMatchObject({
      phase: 'Failed',
      retry: {
        count: 0,
        message: expect.stringMatching(
          /^waiting to retry: Waiting for default\/Mutex\/deploy lock/,
        ),
      },
    })
    expect(answer.status.retry).not.toHaveProperty('request')
    expect(kinds(answer)).toEqual([])
    expect(answer.resyncAfterSeconds).toBe(15)
  })

  it('takes the free slot first, and runs again once it holds it', async () => {
    const parent = await failed()
    const taking = await sync(parent, [])
    expect(kinds(taking)).toEqual(['ConfigMap'])
    expect(taking.status).toMatchObject({
      phase: 'Failed',
      retry: { message: expect.stringMatching(/^waiting to retry/) },
    })
    const holding = await sync({ ...parent, status: taking.status } as KObject, [
      held(MUTEX, 0, 'wf'),
    ])
    // Its one step is asked for again: Pending, as on a first run.
    expect(holding.status).toMatchObject({ phase: 'Pending', retry: { request: 'r1', count: 1 } })
    expect(holding.status.retry).not.toHaveProperty('message')
    expect(kinds(holding)).toEqual(['ConfigMap', 'Pod'])
  })
})
