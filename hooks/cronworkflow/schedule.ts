import { Cron } from 'croner'
import { HookError } from 'metahooks'

/**
 * The ticks of a CronWorkflow's schedules, read as Argo reads them (Go's robfig/cron standard
 * parser): five fields or a descriptor, day-of-month and day-of-week combined with OR, in the
 * given IANA time zone. Every tick is a function of the schedules and a time: nothing here keeps
 * state or reads a clock.
 */
export interface Schedule {
  /** The latest tick at or before `at`, if any. */
  latest(at: Date): Date | undefined
  /** The first tick after `at`, if any. */
  next(at: Date): Date | undefined
}

const DESCRIPTORS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
])

export function parseSchedules(patterns: readonly string[], timezone = 'UTC'): Schedule {
  if (patterns.length === 0)
    throw new HookError(422, 'invalid parent spec: spec.schedules: needs at least one schedule')
  if (!isTimeZone(timezone))
    throw new HookError(
      422,
      `invalid parent spec: spec.timezone: ${JSON.stringify(timezone)} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`,
    )
  const crons = patterns.map((pattern, i) => {
    const at = `spec.schedules[${i}]`
    if (pattern.startsWith('@every'))
      throw new HookError(
        422,
        `invalid parent spec: ${at}: @every is not supported: its ticks depend on when a scheduler started, and a hook has none; write the interval as cron fields (e.g. "*/15 * * * *")`,
      )
    if (pattern.startsWith('CRON_TZ=') || pattern.startsWith('TZ='))
      throw new HookError(
        422,
        `invalid parent spec: ${at}: give the time zone in spec.timezone, not in the schedule`,
      )
    if (pattern.startsWith('@') && !DESCRIPTORS.has(pattern))
      throw new HookError(
        422,
        `invalid parent spec: ${at}: unknown descriptor ${JSON.stringify(pattern)} (one of ${[...DESCRIPTORS].join(', ')})`,
      )
    if (!pattern.startsWith('@') && pattern.trim().split(/\s+/).length !== 5) {
      throw new HookError(
        422,
        `invalid parent spec: ${at}: ${JSON.stringify(pattern)} is not a cron schedule: it needs five fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`,
      )
    }
    try {
      return new Cron(pattern, { mode: '5-part', timezone })
    } catch (e) {
      throw new HookError(
        422,
        `invalid parent spec: ${at}: ${JSON.stringify(pattern)} is not a cron schedule: ${(e as Error).message.replace(/^CronPattern: /, '')}`,
      )
    }
  })
  return {
    latest(at) {
      // previousRuns is strictly before its reference; ticks fall on whole seconds.
      const just = new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000)
      return pick(
        crons.map((c) => c.previousRuns(1, just)[0]),
        (a, b) => a > b,
      )
    },
    next(at) {
      return pick(
        crons.map((c) => c.nextRun(at) ?? undefined),
        (a, b) => a < b,
      )
    },
  }
}

function pick(
  dates: (Date | undefined)[],
  better: (a: number, b: number) => boolean,
): Date | undefined {
  let best: Date | undefined
  for (const d of dates) if (d && (!best || better(d.getTime(), best.getTime()))) best = d
  return best
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
