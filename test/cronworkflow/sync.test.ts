import { describe, expect, it } from 'vitest'
import cronworkflow from '../../hooks/cronworkflow/index.ts'
import { CRON_LABEL, SCHEDULED_ANNOTATION } from '../../hooks/cronworkflow/sync.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

const workflowSpec = {
  entrypoint: 'main',
  templates: [{ name: 'main', container: { image: 'busybox:1.37', command: ['true'] } }],
}
const CREATED = '2026-03-02T07:50:00Z'

function cron(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KObject {
  return {
    apiVersion: 'workflows.metahooks.dev/v1alpha1',
    kind: 'CronWorkflow',
    metadata: {
      name: 'nightly',
      namespace: 'default',
      uid: 'cron-uid',
      creationTimestamp: CREATED,
    },
    spec: { schedules: ['0 * * * *'], workflowSpec, ...spec },
    ...(status && { status }),
  } as KObject
}

/** A run of the tick at `hour` o'clock on 2026-03-02, in `phase` ('' while it runs). */
function run(hour: number, phase = ''): KObject {
  const tick = `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`
  return {
    apiVersion: 'workflows.metahooks.dev/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: `nightly-${Date.parse(tick) / 1000}`,
      namespace: 'default',
      labels: { [CRON_LABEL]: 'nightly' },
      annotations: { [SCHEDULED_ANNOTATION]: tick },
    },
    spec: workflowSpec,
    ...(phase && { status: { phase } }),
  } as KObject
}

const last = (hour: number) => ({
  lastScheduledTime: `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`,
})

async function sync(parent: KObject, observed: KObject[], now: string) {
  const outcome = await runHook(
    cronworkflow,
    'sync',
    compositeRequest(cronworkflow, { parent, observed }),
    { now: new Date(now) },
  )
  if (!outcome.ok) throw new Error(`${outcome.status} ${outcome.message}`)
  const response = outcome.response as {
    children: KObject[]
    status: Record<string, any>
    resyncAfterSeconds?: number
  }
  return { names: response.children.map((c) => c.metadata.name), ...response }
}

const name = (hour: number) => run(hour).metadata.name

describe('cronworkflow sync', () => {
  const cases: {
    name: string
    reason: string
    parent: KObject
    observed?: KObject[]
    now: string
    runs: string[]
    resync?: number
    condition?: string
  }[] = [
    {
      name: 'before the first tick',
      reason: 'ticks before the CronWorkflow existed are not run',
      parent: cron(),
      now: '2026-03-02T07:59:00Z',
      runs: [],
      resync: 60,
    },
    {
      name: 'at a tick',
      reason: 'the run is named after its tick',
      parent: cron(),
      now: '2026-03-02T08:00:05Z',
      runs: [name(8)],
      resync: 3595,
    },
    {
      name: 'the same tick again',
      reason: 'a repeated call finds its run and starts nothing',
      parent: cron({}, last(8)),
      observed: [run(8)],
      now: '2026-03-02T08:00:10Z',
      runs: [name(8)],
    },
    {
      name: 'a status update was lost',
      reason: 'the run itself says its tick was run',
      parent: cron(),
      observed: [run(8, 'Succeeded')],
      now: '2026-03-02T08:30:00Z',
      runs: [name(8)],
    },
    {
      name: 'the tick run and its run pruned',
      reason: 'the status remembers the tick, so it is not run again',
      parent: cron({ successfulJobsHistoryLimit: 0 }, last(8)),
      observed: [],
      now: '2026-03-02T08:30:00Z',
      runs: [],
    },
    {
      name: 'missed ticks',
      reason: 'only the latest missed tick runs, like a CronJob',
      parent: cron({}, last(8)),
      observed: [run(8, 'Succeeded')],
      now: '2026-03-02T11:20:00Z',
      runs: [name(8), name(11)],
    },
    {
      name: 'Allow',
      reason: 'runs overlap',
      parent: cron({}, last(8)),
      observed: [run(8)],
      now: '2026-03-02T09:00:00Z',
      runs: [name(8), name(9)],
    },
    {
      name: 'Forbid',
      reason: 'a tick waits while a run is active',
      parent: cron({ concurrencyPolicy: 'Forbid' }, last(8)),
      observed: [run(8)],
      now: '2026-03-02T09:00:00Z',
      runs: [name(8)],
      condition: 'ConcurrencyForbidden',
    },
    {
      name: 'Forbid, the run over',
      reason: 'the waiting tick runs once the active run ends',
      parent: cron({ concurrencyPolicy: 'Forbid' }, last(8)),
      observed: [run(8, 'Failed')],
      now: '2026-03-02T09:10:00Z',
      runs: [name(8), name(9)],
    },
    {
      name: 'Replace',
      reason: 'the active run is left out (deleted) for the new one',
      parent: cron({ concurrencyPolicy: 'Replace' }, last(8)),
      observed: [run(8)],
      now: '2026-03-02T09:00:00Z',
      runs: [name(9)],
    },
    {
      name: 'past the starting deadline',
      reason: 'a tick missed by more than startingDeadlineSeconds is skipped',
      parent: cron({ startingDeadlineSeconds: 300 }, last(8)),
      observed: [],
      now: '2026-03-02T09:06:00Z',
      runs: [],
      condition: 'MissedDeadline',
    },
    {
      name: 'within the starting deadline',
      reason: 'a late tick still runs inside the deadline',
      parent: cron({ startingDeadlineSeconds: 300 }, last(8)),
      observed: [],
      now: '2026-03-02T09:04:00Z',
      runs: [name(9)],
    },
    {
      name: 'suspended',
      reason: 'nothing new starts, nothing is asked for later',
      parent: cron({ suspend: true }, last(8)),
      observed: [run(8)],
      now: '2026-03-02T09:00:00Z',
      runs: [name(8)],
      condition: 'Suspended',
    },
    {
      name: 'history limits',
      reason: 'the newest successes and failures within the limits stay, with the active runs',
      parent: cron({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, last(9)),
      observed: [
        run(2, 'Succeeded'),
        run(3, 'Failed'),
        run(4, 'Succeeded'),
        run(5, 'Error'),
        run(6, 'Succeeded'),
        run(7, 'Succeeded'),
        run(8, 'Failed'),
        run(9),
      ],
      now: '2026-03-02T09:30:00Z',
      runs: [name(6), name(7), name(8), name(9)],
    },
    {
      name: 'a run newer than the status',
      reason:
        'a finished run the status does not record yet is kept whatever the limits: it is the only memory of its tick',
      parent: cron({ successfulJobsHistoryLimit: 0 }, last(7)),
      observed: [run(7, 'Succeeded'), run(8, 'Succeeded')],
      now: '2026-03-02T08:30:00Z',
      runs: [name(8)],
    },
    {
      name: 'a time zone',
      reason: 'schedules are read in spec.timezone',
      parent: cron({ schedules: ['0 4 * * *'], timezone: 'America/New_York' }),
      now: '2026-03-02T09:00:00Z',
      runs: [name(9)],
    },
    {
      name: 'two schedules',
      reason: 'the latest tick of any schedule runs',
      parent: cron({ schedules: ['0 0 * * *', '0 9 * * *'], schedule: '0 12 * * *' }),
      now: '2026-03-02T09:00:30Z',
      runs: [name(9)],
      resync: 3 * 3600 - 30,
    },
  ]
  it.each(cases)('$name', async ({ parent, observed, now, runs, resync, condition }) => {
    const out = await sync(parent, observed ?? [], now)
    expect(out.names).toEqual(runs)
    if (resync !== undefined) expect(out.resyncAfterSeconds).toBe(resync)
    if (condition)
      expect(out.status.conditions[0]).toMatchObject({
        type: 'Scheduled',
        status: 'False',
        reason: condition,
      })
    else expect(out.status.conditions[0]).toMatchObject({ type: 'Scheduled', status: 'True' })
  })

  it('a new run carries workflowMetadata, our label, its tick and the written spec (not defaults filled in)', async () => {
    const spec = { ...workflowSpec, arguments: { parameters: [{ name: 'n', value: 3 }] } }
    const out = await sync(
      cron({
        workflowSpec: spec,
        workflowMetadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
      }),
      [],
      '2026-03-02T08:00:00Z',
    )
    expect(out.children).toEqual([
      {
        apiVersion: 'workflows.metahooks.dev/v1alpha1',
        kind: 'Workflow',
        metadata: {
          name: name(8),
          labels: { team: 'a', [CRON_LABEL]: 'nightly' },
          annotations: { note: 'x', [SCHEDULED_ANNOTATION]: '2026-03-02T08:00:00Z' },
        },
        spec,
      },
    ])
    expect(out.status).toMatchObject({
      phase: 'Active',
      active: [name(8)],
      lastScheduledTime: '2026-03-02T08:00:00Z',
      nextScheduledTime: '2026-03-02T09:00:00Z',
    })
  })

  it('an observed run is listed with the spec a new run would get, never a copy of what was observed', async () => {
    const odd = { ...run(8), spec: [[null]] } as unknown as KObject
    const out = await sync(cron({}, last(8)), [odd], '2026-03-02T08:30:00Z')
    expect(out.children).toEqual([
      {
        ...run(8),
        metadata: {
          name: name(8),
          labels: { [CRON_LABEL]: 'nightly' },
          annotations: { [SCHEDULED_ANNOTATION]: '2026-03-02T08:00:00Z' },
        },
        spec: workflowSpec,
      },
    ])
  })

  const invalid: { name: string; spec: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'no schedule',
      spec: { schedules: [] },
      error: /spec.schedules: needs at least one schedule/,
    },
    {
      name: 'a bad field',
      spec: { schedules: ['61 * * * *'] },
      error:
        /spec.schedules\[0\]: "61 \* \* \* \*" is not a cron schedule: Invalid value for minute/,
    },
    {
      name: 'seconds',
      spec: { schedules: ['0 0 * * * *'] },
      error: /spec.schedules\[0\]: "0 0 \* \* \* \*" is not a cron schedule: it needs five fields/,
    },
    { name: '@every', spec: { schedules: ['@every 1h'] }, error: /@every is not supported/ },
    {
      name: 'CRON_TZ',
      spec: { schedules: ['CRON_TZ=UTC 0 * * * *'] },
      error: /give the time zone in spec.timezone/,
    },
    {
      name: 'a time zone that is not one',
      spec: { timezone: 'Mars/Olympus' },
      error: /spec.timezone: "Mars\/Olympus" is not an IANA time zone/,
    },
    {
      name: 'an invalid workflow',
      spec: { workflowSpec: { entrypoint: 'nope', templates: workflowSpec.templates } },
      error: /spec.workflowSpec: .*unknown template "nope"/,
    },
    {
      name: 'a workflow field refused',
      spec: { workflowSpec: { ...workflowSpec, ttlStrategy: {} } },
      error: /spec.workflowSpec.*ttlStrategy/,
    },
    {
      name: 'stopStrategy',
      spec: { stopStrategy: { expression: 'x' } },
      error: /stopStrategy .* is not supported/,
    },
    {
      name: 'a null in the Workflow spec',
      spec: { workflowSpec: { ...workflowSpec, affinity: { nodeAffinity: null } } },
      error: /spec.workflowSpec.affinity.nodeAffinity is null/,
    },
    {
      name: 'a policy Argo does not have',
      spec: { concurrencyPolicy: 'Queue' },
      error: /concurrencyPolicy/,
    },
  ]
  it.each(invalid)('422, never fewer runs: $name', async ({ spec, error }) => {
    const outcome = await runHook(
      cronworkflow,
      'sync',
      compositeRequest(cronworkflow, { parent: cron(spec, last(8)), observed: [run(8)] }),
      { now: new Date('2026-03-02T09:00:00Z') },
    )
    expect(outcome.ok).toBe(false)
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    expect(outcome.ok ? '' : outcome.message).toMatch(error)
  })

  it('conforms', async () => {
    const problems = await checkConformance(cronworkflow, {
      parent: one('workflows/cron-hello.yaml'),
      invalidSpecs: [
        { workflowSpec },
        { schedules: ['bogus'], workflowSpec },
        { schedules: ['* * * * *'], workflowSpec: { templates: 3 } },
      ],
    })
    expect(problems).toEqual([])
  })

  it('over a morning: a run per tick, Forbid holding the next while one runs, all asked for with resyncAfterSeconds', async () => {
    const sim = new Simulation(cronworkflow, {
      parent: one('workflows/cron-hello.yaml'),
      kubelet: 'none',
      startTime: '2026-03-02T08:07:00Z',
    })
    const result = await sim.run({ maxRounds: 8 })
    const created = result.rounds.flatMap((r) =>
      r.actions.filter((a) => a.type === 'created').map((a) => `${r.time} ${a.object}`),
    )
    expect(created).toEqual(['2026-03-02T08:15:00Z Workflow default/hello-cron-1772439300'])
    expect(sim.status).toMatchObject({
      active: ['hello-cron-1772439300'],
      conditions: [{ reason: 'ConcurrencyForbidden' }],
    })
    expect(sim.children().map((c) => c.metadata.name)).toEqual(['hello-cron-1772439300'])
  })
})
