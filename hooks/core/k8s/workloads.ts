import * as z from 'zod'
import type { KObject } from '../contract/objects.ts'
import { condition, findCondition, type Condition } from './conditions.ts'

/** What `deploymentReady` reads from an observed Deployment or StatefulSet (declare it as `observed`). */
export const ObservedWorkload = z.looseObject({
  spec: z.looseObject({ replicas: z.number().optional() }).optional(),
  status: z
    .looseObject({
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      observedGeneration: z.number().optional(),
    })
    .optional(),
})

type Workload = KObject & {
  metadata: { generation?: number }
  spec?: { replicas?: number }
  status?: { readyReplicas?: number; availableReplicas?: number; observedGeneration?: number }
}

/**
 * Readiness of an observed Deployment or StatefulSet as a `Ready` condition plus replica counts:
 * not created yet, rolling out (its controller has not seen the latest spec), or N/M ready.
 */
export function deploymentReady(
  observed: KObject | undefined,
  name: string,
  kind = 'Deployment',
): { readyReplicas: number; conditions: Condition[] } {
  if (!observed)
    return {
      readyReplicas: 0,
      conditions: [
        condition('Ready', false, 'Creating', `waiting for ${kind} ${name} to be created`),
      ],
    }
  const w = observed as Workload
  const desired = w.spec?.replicas ?? 1
  const ready = w.status?.readyReplicas ?? 0
  if ((w.status?.observedGeneration ?? 0) < (w.metadata.generation ?? 1)) {
    return {
      readyReplicas: ready,
      conditions: [
        condition('Ready', false, 'RollingOut', `${kind} ${name} is rolling out a new spec`),
      ],
    }
  }
  if (ready >= desired)
    return {
      readyReplicas: ready,
      conditions: [
        condition('Ready', true, 'Available', `${kind} ${name}: ${ready}/${desired} ready`),
      ],
    }
  return {
    readyReplicas: ready,
    conditions: [
      condition('Ready', false, 'NotReady', `${kind} ${name}: ${ready}/${desired} ready`),
    ],
  }
}

/** What `jobOutcome` reads from an observed Job (declare it as `observed`). */
export const ObservedJob = z.looseObject({
  status: z
    .looseObject({
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
})

/** Where a Job stands: not created yet, running, or ended (its Complete / Failed condition). */
export function jobOutcome(
  job: KObject | undefined,
): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (!job) return 'Pending'
  if (findCondition(job, 'Complete')?.status === 'True') return 'Succeeded'
  if (findCondition(job, 'Failed')?.status === 'True') return 'Failed'
  return 'Running'
}
