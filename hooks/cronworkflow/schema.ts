import * as z from 'zod'
import { passthrough, refusingObject } from 'metahooks'

/**
 * CronWorkflow (workflows.metahooks.dev/v1alpha1): Argo's CronWorkflow. Runs its `workflowSpec` as
 * a Workflow at each tick of its schedules. The Workflow spec stays open in the CRD and is checked
 * by the hook exactly as a Workflow's is.
 */

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const

const Metadata = z.object({
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
})

export const CronWorkflowSpec = refusingObject(
  'a CronWorkflow spec',
  {
    schedules: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Cron schedules (five fields, or @hourly/@daily/@weekly/@monthly/@yearly); a Workflow runs at each tick of any of them.',
      ),
    schedule: z
      .string()
      .min(1)
      .optional()
      .describe('One cron schedule (older Argo form of schedules).'),
    timezone: z
      .string()
      .min(1)
      .optional()
      .describe('IANA time zone the schedules are read in (default UTC).'),
    concurrencyPolicy: z
      .enum(CONCURRENCY_POLICIES)
      .default('Allow')
      .describe(
        'Allow: runs overlap; Forbid: a tick is skipped while a run is active; Replace: the active runs are deleted for the new one.',
      ),
    startingDeadlineSeconds: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('A tick missed by more than this many seconds is not run.'),
    successfulJobsHistoryLimit: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Succeeded Workflows kept.'),
    failedJobsHistoryLimit: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('Failed (or errored) Workflows kept.'),
    suspend: z.boolean().default(false).describe('No new Workflow starts while true.'),
    workflowMetadata: Metadata.optional().describe('Labels and annotations of each Workflow.'),
    workflowSpec: passthrough("the Workflow's spec, checked by the hook as a Workflow's"),
  },
  {
    stopStrategy: 'stopStrategy (stopping the schedule on a condition)',
    when: 'when (an expression deciding each tick)',
  },
)
export type CronWorkflowSpec = z.output<typeof CronWorkflowSpec>
