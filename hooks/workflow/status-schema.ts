import * as z from 'zod'
import { FinishedPods } from './compact.ts'
import { RetryStatus } from './retry-workflow.ts'

/**
 * What the engine reads back from its own status (its memory of every node). A status that does
 * not have this shape — edited by hand, or written by something else — is refused (422) rather than
 * read: guessing could start finished tasks again.
 */
const NodeRecord = z.looseObject({
  name: z.string(),
  displayName: z.string(),
  type: z.enum(['Pod', 'Steps', 'StepGroup', 'DAG', 'TaskGroup', 'Retry', 'Skipped', 'Suspend']),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  children: z.array(z.string()).optional(),
  outputs: z
    .looseObject({
      result: z.string().optional(),
      parameters: z.record(z.string(), z.string()).optional(),
      exitCode: z.number().optional(),
    })
    .optional(),
  message: z.string().optional(),
})

export const WorkflowObservedStatus = z.looseObject({
  nodes: z.record(z.string(), NodeRecord).optional(),
  finishedPods: FinishedPods.optional(),
  phase: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  retry: RetryStatus.optional(),
})
