import {
  childName,
  condition,
  findBadValue,
  formatIssues,
  HookError,
  labelValueOf,
  safeParseBounded,
  type CompositeSyncResult,
  type HookContext,
  type KObject,
} from 'metahooks'
import { GROUP_VERSION, referencedSources } from '../workflow/template-refs.ts'
import { WorkflowSpec } from '../workflow/schema.ts'
import { normalize } from '../workflow/normalize.ts'
import { iso, isWorkflowDone } from '../workflow/nodes.ts'
import { validateWorkflow } from '../workflow/validate.ts'
import { parseSchedules } from './schedule.ts'
import type { CronWorkflowSpec } from './schema.ts'

/**
 * A CronWorkflow's sync: the Workflow of the latest tick not yet run (if its concurrency policy
 * and starting deadline allow), the runs still active, and the finished ones its history limits
 * keep. Each run is named after its tick, so a repeated call can never start a tick twice; the
 * next tick is asked for with resyncAfterSeconds.
 */

export const CRON_LABEL = 'workflows.metahooks.dev/cron-workflow'
export const SCHEDULED_ANNOTATION = 'workflows.metahooks.dev/scheduled-time'

type Workflow = KObject & { status?: { phase?: unknown } }

interface CronStatus {
  lastScheduledTime?: string
}

export function sync({
  parent,
  spec,
  children,
  now,
}: HookContext<CronWorkflowSpec>): CompositeSyncResult {
  const at = now!
  const name = parent.metadata.name
  checkWorkflowSpec(spec.workflowSpec)
  const schedule = parseSchedules(
    [...(spec.schedules ?? []), ...(spec.schedule !== undefined ? [spec.schedule] : [])],
    spec.timezone,
  )
  const runs = children.list<Workflow>('Workflow').map((w) => ({
    workflow: w,
    tick: scheduledTime(w),
    phase: typeof w.status?.phase === 'string' ? w.status.phase : '',
  }))
  const active = runs.filter((r) => !isWorkflowDone(r.phase))

  // The last tick run: as the status recorded it, or as a run shows it (a status update that was lost).
  const recorded = Date.parse((parent.status as CronStatus | undefined)?.lastScheduledTime ?? '')
  const lastRun = Math.max(
    Number.isNaN(recorded) ? -Infinity : recorded,
    ...runs.map((r) => r.tick),
  )
  const created =
    typeof parent.metadata.creationTimestamp === 'string'
      ? Date.parse(parent.metadata.creationTimestamp)
      : Number.NaN
  const since = Number.isFinite(lastRun) ? lastRun : Number.isNaN(created) ? at.getTime() : created
  const due = schedule.latest(at)
  const pending = due !== undefined && due.getTime() > since ? due : undefined

  let start: Date | undefined
  let why: { reason: string; message: string } | undefined
  if (pending && spec.suspend)
    why = {
      reason: 'Suspended',
      message: `the tick at ${iso(pending.getTime())} is not run while spec.suspend is true`,
    }
  else if (
    pending &&
    spec.startingDeadlineSeconds !== undefined &&
    at.getTime() - pending.getTime() > spec.startingDeadlineSeconds * 1000
  ) {
    why = {
      reason: 'MissedDeadline',
      message: `the tick at ${iso(pending.getTime())} was missed by more than startingDeadlineSeconds (${spec.startingDeadlineSeconds})`,
    }
  } else if (pending && spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    why = {
      reason: 'ConcurrencyForbidden',
      message: `the tick at ${iso(pending.getTime())} waits: ${active.map((r) => r.workflow.metadata.name).join(', ')} still running (concurrencyPolicy Forbid)`,
    }
  } else start = pending

  const replaced = new Set(
    start && spec.concurrencyPolicy === 'Replace'
      ? active.map((r) => r.workflow.metadata.name)
      : [],
  )
  const kept = keptRuns(runs, spec, recorded).filter((r) => !replaced.has(r.workflow.metadata.name))
  const desired = kept.map((r) => asDesired(name, r.workflow, spec))
  if (start) desired.push(newRun(name, spec, start))

  const next = spec.suspend ? undefined : schedule.next(at)
  const lastScheduled = start ? start.getTime() : lastRun
  return {
    children: desired,
    status: {
      phase: spec.suspend ? 'Suspended' : 'Active',
      active: [
        ...active
          .filter((r) => !replaced.has(r.workflow.metadata.name))
          .map((r) => r.workflow.metadata.name),
        ...(start ? [desired.at(-1)!.metadata.name] : []),
      ].sort(),
      ...(Number.isFinite(lastScheduled) && { lastScheduledTime: iso(lastScheduled) }),
      ...(next && { nextScheduledTime: iso(next.getTime()) }),
      conditions: [
        why
          ? condition('Scheduled', false, why.reason, why.message)
          : condition(
              'Scheduled',
              true,
              'Waiting',
              next ? `next tick at ${iso(next.getTime())}` : 'no further ticks',
            ),
      ],
    },
    ...(next && {
      resyncAfterSeconds: Math.max(1, Math.ceil((next.getTime() - at.getTime()) / 1000)),
    }),
  }
}

/** The Workflow spec is refused (422) as a Workflow's would be, before any run exists. */
function checkWorkflowSpec(raw: unknown): void {
  const bad = findBadValue(raw, 'spec.workflowSpec')
  if (bad) throw new HookError(422, `invalid parent spec: ${bad}; leave the field out instead`)
  const parsed = safeParseBounded(WorkflowSpec, raw)
  if (!parsed.success)
    throw new HookError(
      422,
      `invalid parent spec: ${formatIssues(parsed.error, 'spec.workflowSpec').slice(0, 5).join('; ')}`,
    )
  // A spec that refers to WorkflowTemplates is checked by the Workflow once they are resolved.
  if (referencedSources(parsed.data, {}).length > 0) return
  try {
    validateWorkflow(normalize(parsed.data))
  } catch (e) {
    if (e instanceof HookError)
      throw new HookError(
        422,
        e.message.replace(/^invalid workflow: /, 'invalid parent spec: spec.workflowSpec: '),
      )
    throw e
  }
}

/** When a run's tick was: its annotation (as written), else never (it sorts last and is pruned first). */
function scheduledTime(w: Workflow): number {
  const t = Date.parse(w.metadata.annotations?.[SCHEDULED_ANNOTATION] ?? '')
  return Number.isNaN(t) ? -Infinity : t
}

/**
 * Active runs, and the newest finished ones within the history limits. A finished run newer than
 * the tick the status records is kept whatever the limits: its tick is only remembered by the run
 * itself until the status holds it.
 */
function keptRuns<R extends { workflow: Workflow; tick: number; phase: string }>(
  runs: R[],
  spec: CronWorkflowSpec,
  recorded: number,
): R[] {
  const newestFirst = [...runs].sort(
    (a, b) => b.tick - a.tick || a.workflow.metadata.name.localeCompare(b.workflow.metadata.name),
  )
  let succeeded = 0
  let failed = 0
  return newestFirst
    .filter((r) => {
      if (!isWorkflowDone(r.phase) || !(r.tick <= recorded)) return true
      if (r.phase === 'Succeeded') return ++succeeded <= spec.successfulJobsHistoryLimit
      return ++failed <= spec.failedJobsHistoryLimit
    })
    .reverse()
}

/**
 * A run that exists, as the answer lists it. Workflows are never updated (updateStrategy OnDelete),
 * so only what identifies it matters: its name, our label and its tick. Its spec is the one a new
 * run would get — what Metacontroller would create if the run vanished before the answer is
 * applied — never a copy of what was observed (which the hook has not checked).
 */
function asDesired(cron: string, w: Workflow, spec: CronWorkflowSpec): KObject {
  const tick = w.metadata.annotations?.[SCHEDULED_ANNOTATION]
  return {
    apiVersion: GROUP_VERSION,
    kind: 'Workflow',
    metadata: {
      name: w.metadata.name,
      labels: { [CRON_LABEL]: labelValueOf(cron) },
      ...(tick !== undefined && { annotations: { [SCHEDULED_ANNOTATION]: tick } }),
    },
    spec: spec.workflowSpec,
  } as KObject
}

function newRun(cron: string, spec: CronWorkflowSpec, tick: Date): KObject {
  const metadata = spec.workflowMetadata ?? {}
  return {
    apiVersion: GROUP_VERSION,
    kind: 'Workflow',
    metadata: {
      name: childName(
        { apiVersion: GROUP_VERSION, kind: 'Workflow' },
        cron,
        String(tick.getTime() / 1000),
      ),
      labels: { ...metadata.labels, [CRON_LABEL]: labelValueOf(cron) },
      annotations: { ...metadata.annotations, [SCHEDULED_ANNOTATION]: iso(tick.getTime()) },
    },
    spec: spec.workflowSpec,
  } as KObject
}
