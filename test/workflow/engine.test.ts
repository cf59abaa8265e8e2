import { describe, expect, it } from 'vitest'
import workflow from '../../hooks/workflow/index.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { START, container, nodes, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: templates', () => {
  it('steps: outer lists run in sequence, inner lists in parallel; outputs flow to later steps', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        templates: [
          { name: 'main', steps: [[{ name: 'hello', template: 'say' }], [{ name: 'a', template: 'echo', arguments: { parameters: [{ name: 'text', value: '{{steps.hello.outputs.result}}-a' }] } }, { name: 'b', template: 'echo', arguments: { parameters: [{ name: 'text', value: 'b' }] } }]] },
          container('say'),
          { name: 'echo', inputs: { parameters: [{ name: 'text' }] }, container: { image: 'alpine:3', args: ['{{inputs.parameters.text}}'] } },
        ],
      },
      { hello: { exitCode: 0, message: 'hi' } },
    )
    const first = await sim.step()
    expect(first.actions.filter((a) => a.type === 'created')).toHaveLength(1)
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status).toMatchObject({ phase: 'Succeeded', progress: '3/3' })
    expect(phases(sim)).toMatchObject({ hello: 'Succeeded', a: 'Succeeded', b: 'Succeeded', '[0]': 'Succeeded', '[1]': 'Succeeded' })
    const a = pods(sim).find((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf[1].a') as unknown as { spec: { containers: { args: string[] }[] } } | undefined
    expect(a!.spec.containers[0]!.args).toEqual(['hi-a'])
    // a and b were created in the same round: the inner list runs in parallel.
    const createdRounds = result.rounds.filter((r) => r.actions.some((x) => x.type === 'created')).map((r) => r.actions.filter((x) => x.type === 'created').length)
    expect(createdRounds[0]).toBe(2)
  })

  it('dag: dependencies and depends expressions, with an error handler on failure', async () => {
    const sim = simulate(
      {
        entrypoint: 'diamond',
        templates: [
          {
            name: 'diamond',
            dag: {
              tasks: [
                { name: 'A', template: 'job' },
                { name: 'B', template: 'job', dependencies: ['A'] },
                { name: 'C', template: 'job', dependencies: ['A'] },
                { name: 'D', template: 'job', depends: 'B && C' },
                { name: 'on-failure', template: 'job', depends: 'C.Failed' },
                { name: 'after-all', template: 'job', depends: '(D.Succeeded || D.Omitted) && !B.Failed' },
              ],
            },
          },
          container('job'),
        ],
      },
      { C: { exitCode: 2, message: 'boom' } },
    )
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(phases(sim)).toMatchObject({ A: 'Succeeded', B: 'Succeeded', C: 'Failed', D: 'Omitted', 'on-failure': 'Succeeded', 'after-all': 'Succeeded' })
    // C's failure is handled by on-failure (depends C.Failed), so the DAG succeeds.
    expect(sim.status!.phase).toBe('Succeeded')
    expect(Object.values(nodes(sim)).find((n) => n.displayName === 'C')!.outputs).toMatchObject({ exitCode: 2 })
  })

  it('dag: failFast stops scheduling after an unhandled failure; target runs only what it needs', async () => {
    const failing = simulate(
      { entrypoint: 'd', templates: [{ name: 'd', dag: { tasks: [{ name: 'bad', template: 'job' }, { name: 'slow', template: 'job' }, { name: 'later', template: 'job', dependencies: ['slow'] }] } }, container('job')] },
      { bad: { exitCode: 1 } },
    )
    await failing.run()
    expect(failing.status).toMatchObject({ phase: 'Failed', message: 'task bad failed' })
    expect(phases(failing).later).toBeUndefined()

    const targeted = simulate({ entrypoint: 'd', templates: [{ name: 'd', dag: { target: 'B', tasks: [{ name: 'A', template: 'job' }, { name: 'B', template: 'job', dependencies: ['A'] }, { name: 'C', template: 'job' }] } }, container('job')] })
    await targeted.run()
    expect(Object.keys(phases(targeted)).sort()).toEqual(['A', 'B', 'wf'])
    expect(targeted.status!.phase).toBe('Succeeded')
  })

  it('coin flip: when chooses the branch from an output', async () => {
    for (const side of ['heads', 'tails']) {
      const sim = simulate(
        {
          entrypoint: 'coinflip',
          templates: [
            {
              name: 'coinflip',
              steps: [
                [{ name: 'flip', template: 'flip' }],
                [
                  { name: 'heads', template: 'job', when: '{{steps.flip.outputs.result}} == heads' },
                  { name: 'tails', template: 'job', when: "'{{steps.flip.outputs.result}}' == 'tails'" },
                ],
              ],
            },
            { name: 'flip', script: { image: 'python:3-alpine', command: ['python'], source: 'import random\nprint(random.choice(["heads","tails"]))' } },
            container('job'),
          ],
        },
        { flip: { exitCode: 0, message: side } },
      )
      await sim.run()
      expect(phases(sim)[side]).toBe('Succeeded')
      expect(phases(sim)[side === 'heads' ? 'tails' : 'heads']).toBe('Skipped')
      expect(sim.status!.phase).toBe('Succeeded')
    }
  })

  it('loops: withItems fans out, withParam fans out over an output, results aggregate as JSON', async () => {
    const sim = simulate(
      {
        entrypoint: 'pipeline',
        templates: [
          {
            name: 'pipeline',
            dag: {
              tasks: [
                { name: 'list', template: 'job' },
                { name: 'process', template: 'work', dependencies: ['list'], withParam: '{{tasks.list.outputs.result}}', arguments: { parameters: [{ name: 'x', value: '{{item}}' }] } },
                { name: 'seq', template: 'work', withSequence: { count: '3', start: 1 }, arguments: { parameters: [{ name: 'x', value: 'n{{item}}' }] } },
                { name: 'letters', template: 'work', withItems: ['a', { n: 'b' }], arguments: { parameters: [{ name: 'x', value: '{{item}}' }] } },
                { name: 'merge', template: 'work', dependencies: ['process'], arguments: { parameters: [{ name: 'x', value: '{{tasks.process.outputs.result}}' }] } },
              ],
            },
          },
          container('job'),
          { name: 'work', inputs: { parameters: [{ name: 'x' }] }, container: { image: 'alpine:3', args: ['{{inputs.parameters.x}}'] } },
        ],
      },
      { list: { exitCode: 0, message: '["x","y"]' }, process: { exitCode: 0, message: 'done' } },
    )
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Succeeded', progress: '9/9' })
    const merge = pods(sim).find((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.merge') as unknown as { spec: { containers: { args: string[] }[] } }
    expect(merge.spec.containers[0]!.args).toEqual(['["done","done"]'])
    expect(Object.keys(phases(sim))).toEqual(expect.arrayContaining(['process(0:x)', 'process(1:y)', 'seq(0:1)', 'seq(2:3)', 'letters(1:{"n":"b"})']))
  })

  it('suspend: a duration resumes on its own through resyncAfterSeconds; without one, spec.resume resumes it', async () => {
    const timed = simulate({ entrypoint: 's', templates: [{ name: 's', steps: [[{ name: 'wait', template: 'pause' }], [{ name: 'go', template: 'job' }]] }, { name: 'pause', suspend: { duration: '90s' } }, container('job')] })
    const result = await timed.run()
    expect(timed.status!.phase).toBe('Succeeded')
    expect(result.rounds.find((r) => r.resyncAfterSeconds)!.resyncAfterSeconds).toBeLessThanOrEqual(90)
    expect(Object.values(nodes(timed)).find((n) => n.displayName === 'wait')!.finishedAt).toBe('2026-01-01T00:01:30Z')

    const manual = simulate({ entrypoint: 's', templates: [{ name: 's', steps: [[{ name: 'approve', template: 'pause' }], [{ name: 'go', template: 'job' }]] }, { name: 'pause', suspend: {} }, container('job')] })
    await manual.run()
    expect(manual.status!.phase).toBe('Running')
    expect(phases(manual).approve).toBe('Running')
    manual.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), resume: ['approve'] } }))
    await manual.run()
    expect(manual.status!.phase).toBe('Succeeded')
  })
})

describe('workflow: failure handling', () => {
  it('retryStrategy: backoff grows by factor, driven by resyncAfterSeconds; succeeds on the third attempt', async () => {
    const sim = simulate(
      { entrypoint: 'flaky', templates: [{ name: 'flaky', retryStrategy: { limit: 3, retryPolicy: 'OnFailure', backoff: { duration: '10s', factor: 2 } }, container: { image: 'alpine:3' } }] },
      { wf: [{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 0 }] },
    )
    const result = await sim.run({ maxRounds: 40 })
    expect(result.converged).toBe(true)
    expect(sim.status).toMatchObject({ phase: 'Succeeded' })
    expect(phases(sim)).toMatchObject({ 'wf(0)': 'Failed', 'wf(1)': 'Failed', 'wf(2)': 'Succeeded', wf: 'Succeeded' })
    const resyncs = result.rounds.map((r) => r.resyncAfterSeconds).filter((x) => x !== undefined)
    // Woken by resyncAfterSeconds for the rest of each backoff (10 s, then 20 s after each failure).
    expect(resyncs.some((x) => x! > 0 && x! <= 10)).toBe(true)
    expect(resyncs.some((x) => x! > 10 && x! <= 20)).toBe(true)
    const attempts = Object.values(nodes(sim)).filter((n) => n.type === 'Pod').sort((a, b) => (a.startedAt! < b.startedAt! ? -1 : 1))
    // The second attempt starts at least 10 s after the first failed, the third at least 20 s after the second.
    expect(Date.parse(attempts[1]!.startedAt!) - Date.parse(attempts[0]!.finishedAt!)).toBeGreaterThanOrEqual(10_000)
    expect(Date.parse(attempts[2]!.startedAt!) - Date.parse(attempts[1]!.finishedAt!)).toBeGreaterThanOrEqual(20_000)
  })

  it('retryPolicy OnError does not retry a failure; the limit ends retries', async () => {
    const sim = simulate({ entrypoint: 'x', templates: [{ name: 'x', retryStrategy: { limit: 2, retryPolicy: 'OnError' }, container: { image: 'alpine:3' } }] }, { wf: { exitCode: 1 } })
    await sim.run()
    expect(sim.status!.phase).toBe('Failed')
    expect(Object.values(nodes(sim)).filter((n) => n.type === 'Pod')).toHaveLength(1)

    const always = simulate({ entrypoint: 'x', templates: [{ name: 'x', retryStrategy: { limit: 2, retryPolicy: 'Always' }, container: { image: 'alpine:3' } }] }, { wf: { exitCode: 1 } })
    await always.run({ maxRounds: 30 })
    expect(always.status).toMatchObject({ phase: 'Failed' })
    expect(Object.values(nodes(always)).filter((n) => n.type === 'Pod')).toHaveLength(3)
    expect(nodes(always).wf!.message).toMatch(/retry limit 2 reached/)
  })

  it('continueOn lets a failed step pass; onExit runs after a failure and sees workflow.status', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        onExit: 'notify',
        templates: [
          { name: 'main', steps: [[{ name: 'optional', template: 'job', continueOn: { failed: true } }], [{ name: 'required', template: 'job' }]] },
          container('job'),
          { name: 'notify', container: { image: 'alpine:3', args: ['workflow {{workflow.status}}'] } },
        ],
      },
      { optional: { exitCode: 1 }, required: { exitCode: 3 } },
    )
    await sim.run()
    expect(phases(sim)).toMatchObject({ optional: 'Failed', required: 'Failed', onExit: 'Succeeded' })
    expect(sim.status!.phase).toBe('Failed')
    const notify = pods(sim).find((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.onExit') as unknown as { spec: { containers: { args: string[] }[] } }
    expect(notify.spec.containers[0]!.args).toEqual(['workflow Failed'])
  })

  it('a Pod that vanishes while running is an Error, not a success', async () => {
    const sim = simulate({ entrypoint: 'x', templates: [container('x')] })
    await sim.step()
    await sim.step()
    await sim.step()
    expect(phases(sim).wf).toBe('Running')
    sim.cluster.remove(pods(sim)[0]!)
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Error' })
    expect(nodes(sim).wf!.message).toBe('the Pod was deleted')
  })

  it('a Pod that fails without a container exit code (evicted) is an Error', async () => {
    const sim = simulate({ entrypoint: 'x', templates: [container('x')] })
    await sim.step()
    const pod = pods(sim)[0]!
    sim.cluster.update({ ...pod, status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } } as never)
    await sim.run()
    expect(sim.status!.phase).toBe('Error')
    expect(nodes(sim).wf!.message).toMatch(/low on resource/)
  })
})

describe('workflow: control', () => {
  it('parallelism caps running Pods (workflow level)', async () => {
    const sim = simulate({
      entrypoint: 'fan',
      parallelism: 2,
      templates: [{ name: 'fan', steps: [[{ name: 'n', template: 'job', withItems: [1, 2, 3, 4, 5] }]] }, container('job')],
    })
    let most = 0
    for (let i = 0; i < 30 && sim.status?.phase !== 'Succeeded'; i++) {
      await sim.step()
      most = Math.max(most, pods(sim).filter((p) => !['Succeeded', 'Failed'].includes((p as { status?: { phase?: string } }).status?.phase ?? '')).length)
    }
    expect(sim.status!.phase).toBe('Succeeded')
    expect(most).toBe(2)
  })

  it('template parallelism caps a loop; output parameters travel as a JSON termination message', async () => {
    const sim = simulate(
      {
        entrypoint: 'd',
        templates: [
          {
            name: 'd',
            parallelism: 1,
            dag: {
              tasks: [
                { name: 'gen', template: 'gen' },
                { name: 'use', template: 'use', dependencies: ['gen'], arguments: { parameters: [{ name: 'v', value: '{{tasks.gen.outputs.parameters.version}}' }] } },
                { name: 'many', template: 'use', withItems: ['a', 'b', 'c'], arguments: { parameters: [{ name: 'v', value: '{{item}}' }] } },
              ],
            },
          },
          { name: 'gen', outputs: { parameters: [{ name: 'version' }] }, container: { image: 'alpine:3' } },
          { name: 'use', inputs: { parameters: [{ name: 'v' }] }, container: { image: 'alpine:3', args: ['{{inputs.parameters.v}}'] } },
        ],
      },
      { gen: { exitCode: 0, message: '{"parameters":{"version":"1.2.3"}}' } },
    )
    let most = 0
    for (let i = 0; i < 40 && sim.status?.phase !== 'Succeeded'; i++) {
      await sim.step()
      most = Math.max(most, pods(sim).filter((p) => !['Succeeded', 'Failed'].includes((p as { status?: { phase?: string } }).status?.phase ?? '')).length)
    }
    expect(sim.status!.phase).toBe('Succeeded')
    expect(most).toBe(1)
    const use = pods(sim).find((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.use') as unknown as { spec: { containers: { args: string[] }[] } }
    expect(use.spec.containers[0]!.args).toEqual(['1.2.3'])
  })

  it('a declared output parameter missing from the message is an Error', async () => {
    const sim = simulate({ entrypoint: 'gen', templates: [{ name: 'gen', outputs: { parameters: [{ name: 'version' }] }, container: { image: 'alpine:3' } }] })
    await sim.run()
    expect(sim.status!.phase).toBe('Error')
    expect(nodes(sim).wf!.message).toMatch(/output parameter version is missing/)
  })

  it('activeDeadlineSeconds fails the workflow and stops its Pods — after recording them', async () => {
    const sim = simulate({ entrypoint: 'x', activeDeadlineSeconds: 30, templates: [{ name: 'x', suspend: {} }, container('job')] })
    const longRunning = simulate({ entrypoint: 'x', activeDeadlineSeconds: 30, templates: [container('x')] })
    await longRunning.step()
    await longRunning.step()
    expect(pods(longRunning)).toHaveLength(1)
    longRunning.cluster.now += 60_000
    const hit = await longRunning.step()
    expect(longRunning.status).toMatchObject({ phase: 'Failed', message: 'the workflow exceeded its activeDeadlineSeconds' })
    expect(hit.actions.some((a) => a.type === 'deleted')).toBe(false)
    const next = await longRunning.step()
    expect(next.actions.map((a) => a.type)).toContain('deleted')
    // A deadline also ends a suspended workflow, through its own resync.
    const result = await sim.run()
    expect(result.rounds.at(-1)!.time >= '2026-01-01T00:00:30Z').toBe(true)
    expect(sim.status!.phase).toBe('Failed')
  })

  it('shutdown Stop lets running Pods finish and schedules nothing new; Terminate stops them', async () => {
    const spec = { entrypoint: 'm', templates: [{ name: 'm', steps: [[{ name: 'one', template: 'job' }], [{ name: 'two', template: 'job' }]] }, { ...container('job'), container: { image: 'alpine:3' } }] }
    const stop = simulate(spec)
    await stop.step()
    stop.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), shutdown: 'Stop' } }))
    await stop.run()
    expect(phases(stop)).toMatchObject({ one: 'Succeeded' })
    expect(phases(stop).two).toBeUndefined()
    expect(stop.status).toMatchObject({ phase: 'Failed', message: 'the workflow was stopped' })

    const terminate = simulate(spec)
    await terminate.step()
    await terminate.step()
    terminate.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), shutdown: 'Terminate' } }))
    await terminate.run()
    expect(terminate.status!.phase).toBe('Failed')
    expect(phases(terminate).one).toBe('Failed')
    expect(pods(terminate)).toEqual([])
  })

  it('spec.suspend pauses scheduling; resuming continues', async () => {
    const sim = simulate({ entrypoint: 'm', suspend: true, templates: [{ name: 'm', steps: [[{ name: 'one', template: 'job' }]] }, container('job')] })
    await sim.run()
    expect(pods(sim)).toEqual([])
    expect(sim.status).toMatchObject({ message: 'suspended: set spec.suspend to false to resume' })
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), suspend: false } }))
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
  })

  it.each([
    { strategy: 'OnPodCompletion', left: 0 },
    { strategy: 'OnPodSuccess', left: 1 },
    { strategy: 'OnWorkflowCompletion', left: 0 },
    { strategy: undefined, left: 2 },
  ])('podGC $strategy leaves $left Pod(s), and never drops one before its result is recorded', async ({ strategy, left }) => {
    const sim = simulate(
      { entrypoint: 'm', ...(strategy && { podGC: { strategy } }), templates: [{ name: 'm', steps: [[{ name: 'ok', template: 'job' }, { name: 'bad', template: 'job', continueOn: { failed: true } }]] }, container('job')] },
      { bad: { exitCode: 1 } },
    )
    const result = await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(pods(sim)).toHaveLength(left)
    // Every deletion happens in a round after the one whose status recorded the Pod's end.
    for (const [i, round] of result.rounds.entries()) {
      for (const d of round.actions.filter((a) => a.type === 'deleted')) {
        const recordedBefore = result.rounds.slice(0, i).some((r) => r.actions.some((a) => a.type === 'status' && /phase: "(Running|Pending)" → "(Succeeded|Failed)"/.test(a.detail ?? '')))
        expect(recordedBefore, d.object).toBe(true)
      }
    }
  })

  it('volumeClaimTemplates: one claim per workflow, mounted by every Pod', async () => {
    const sim = simulate({
      entrypoint: 'm',
      volumeClaimTemplates: [{ metadata: { name: 'work' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      templates: [{ name: 'm', container: { image: 'alpine:3', volumeMounts: [{ name: 'work', mountPath: '/work' }] } }],
    })
    await sim.run()
    expect(sim.objects().filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual(['wf-work'])
    expect((pods(sim)[0] as unknown as { spec: { volumes: unknown[] } }).spec.volumes).toEqual([{ name: 'work', persistentVolumeClaim: { claimName: 'wf-work' } }])
  })

  it('a Pod asked for but not yet observed is asked for again, not counted as failed', async () => {
    const parent = { ...wf({ entrypoint: 'x', templates: [container('x')] }), metadata: { name: 'wf', namespace: 'default', uid: 'u1' } }
    const now = new Date(START)
    const first = await runHook(workflow, 'sync', compositeRequest(workflow, { parent }), { now })
    expect(first.ok).toBe(true)
    if (!first.ok) return
    // Metacontroller wrote the status, but its informer has not seen the Pod yet.
    const again = await runHook(workflow, 'sync', compositeRequest(workflow, { parent: { ...parent, status: first.response.status } }), { now: new Date(now.getTime() + 2000) })
    expect(again.ok && again.response.children).toEqual(first.response.children)
    expect(again.ok && (again.response.status as { phase: string }).phase).toBe('Pending')
  })
})
