import type { KObject } from '../contract/objects.ts'
import { fnv32a } from '../k8s/hash.ts'

/** How a Pod that runs to completion ends. */
export interface PodOutcome {
  exitCode: number
  message?: string
  /** A server: the Pod stays Running and Ready until it is deleted (exitCode is not used). */
  keepsRunning?: boolean
}

export type PodOutcomeFn = (pod: KObject) => PodOutcome

/** Annotations a Pod (template) can carry to choose its simulated end. */
export const EXIT_CODE_ANNOTATION = 'sim.metahooks.dev/exit-code'
export const MESSAGE_ANNOTATION = 'sim.metahooks.dev/message'

export const outcomeFromAnnotations: PodOutcomeFn = (pod) => {
  const annotations = pod.metadata.annotations ?? {}
  const code = Number(annotations[EXIT_CODE_ANNOTATION] ?? '0')
  return {
    exitCode: Number.isInteger(code) ? code : 1,
    ...(annotations[MESSAGE_ANNOTATION] !== undefined && {
      message: annotations[MESSAGE_ANNOTATION],
    }),
  }
}

type Obj = KObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> }

/** One step of one object: its new status, a note for the report, and objects it brings into being. */
export interface Step {
  status: Record<string, unknown>
  note: string
  create?: KObject[]
}

/** Each container's identity as a kubelet reports it in containerStatuses. */
function containers(pod: Obj): { name: string; image: string; imageID: string }[] {
  const list = (pod.spec as { containers?: { name?: string; image?: string }[] } | undefined)
    ?.containers
  return (Array.isArray(list) ? list : [{}]).map((c) => {
    const image = String(c?.image ?? 'unknown')
    return { name: String(c?.name ?? 'main'), image, imageID: `sim://${image}` }
  })
}

/** A Pod's address in the simulated cluster: the same for the same name. */
function simulatedIP(name: string): string {
  const h = Number.parseInt(fnv32a(name), 16)
  return `10.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255 || 1}`
}

function podStep(pod: Obj, now: string, outcome: PodOutcomeFn): Step | undefined {
  const phase = pod.status?.phase
  const names = containers(pod)
  const restartPolicy =
    (pod.spec as { restartPolicy?: string } | undefined)?.restartPolicy ?? 'Always'
  const cond = (type: string, status: boolean, reason?: string) => ({
    type,
    status: status ? 'True' : 'False',
    lastTransitionTime: now,
    ...(reason && { reason }),
  })
  if (phase === undefined) {
    return {
      note: 'Pending',
      status: {
        phase: 'Pending',
        conditions: [cond('PodScheduled', true), cond('Ready', false, 'ContainersNotReady')],
        containerStatuses: names.map((c) => ({
          ...c,
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
      },
    }
  }
  if (phase === 'Pending') {
    return {
      note: 'Running, Ready',
      status: {
        phase: 'Running',
        startTime: now,
        podIP: simulatedIP(pod.metadata.name),
        podIPs: [{ ip: simulatedIP(pod.metadata.name) }],
        conditions: [cond('PodScheduled', true), cond('Ready', true)],
        containerStatuses: names.map((c) => ({
          ...c,
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      },
    }
  }
  if (phase === 'Running' && restartPolicy !== 'Always') {
    const end = outcome(pod)
    if (end.keepsRunning) return undefined
    const succeeded = end.exitCode === 0
    const terminated = {
      exitCode: end.exitCode,
      reason: succeeded ? 'Completed' : 'Error',
      startedAt: (pod.status?.startTime as string | undefined) ?? now,
      finishedAt: now,
      ...(end.message !== undefined && { message: end.message }),
    }
    return {
      note: succeeded ? 'Succeeded' : `Failed (exit ${end.exitCode})`,
      status: {
        ...pod.status,
        phase: succeeded ? 'Succeeded' : 'Failed',
        conditions: [cond('PodScheduled', true), cond('Ready', false, 'PodCompleted')],
        containerStatuses: names.map((c) => ({
          ...c,
          ready: false,
          restartCount: 0,
          state: { terminated },
        })),
      },
    }
  }
  return undefined
}

/**
 * The claims a StatefulSet controller creates from volumeClaimTemplates (`<template>-<sts>-<i>`).
 * With persistentVolumeClaimRetentionPolicy.whenDeleted: Delete they are owned by the StatefulSet
 * (and go with it); with Retain (the default) they have no owner and outlive it.
 */
function statefulSetClaims(sts: Obj, replicas: number): KObject[] {
  const templates =
    (sts.spec?.volumeClaimTemplates as
      | { metadata?: { name?: string; labels?: Record<string, string> }; spec?: unknown }[]
      | undefined) ?? []
  const whenDeleted =
    (sts.spec?.persistentVolumeClaimRetentionPolicy as { whenDeleted?: string } | undefined)
      ?.whenDeleted ?? 'Retain'
  const owned = whenDeleted === 'Delete' && sts.metadata.uid
  return templates.flatMap((t) =>
    Array.from({ length: replicas }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${t.metadata?.name ?? 'data'}-${sts.metadata.name}-${i}`,
        ...(sts.metadata.namespace && { namespace: sts.metadata.namespace }),
        ...(t.metadata?.labels && { labels: t.metadata.labels }),
        ...(owned && {
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              name: sts.metadata.name,
              uid: sts.metadata.uid,
              blockOwnerDeletion: true,
            },
          ],
        }),
      },
      spec: t.spec ?? {},
      status: { phase: 'Bound' },
    })),
  )
}

function workloadStep(o: Obj, now: string): Step | undefined {
  const generation = o.metadata.generation ?? 1
  if (o.status?.observedGeneration === generation) return undefined
  const replicas = typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1
  const counts = {
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
  }
  if (o.kind === 'StatefulSet') {
    return {
      note: `${replicas} ready`,
      status: { observedGeneration: generation, ...counts, currentReplicas: replicas },
      create: statefulSetClaims(o, replicas),
    }
  }
  return {
    note: `${replicas} available`,
    status: {
      observedGeneration: generation,
      ...counts,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          lastTransitionTime: now,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          lastTransitionTime: now,
        },
      ],
    },
  }
}

function jobStep(job: Obj, now: string, outcome: PodOutcomeFn): Step | undefined {
  const status = job.status ?? {}
  if (status.completionTime || (status.conditions as unknown[] | undefined)?.length)
    return undefined
  if (!status.active) return { note: 'active', status: { active: 1, startTime: now } }
  const end = outcome({
    ...job,
    metadata: {
      ...job.metadata,
      annotations: {
        ...((job.spec?.template as Obj | undefined)?.metadata?.annotations ?? {}),
        ...job.metadata.annotations,
      },
    },
  })
  if (end.exitCode === 0) {
    return {
      note: 'Complete',
      status: {
        startTime: status.startTime,
        completionTime: now,
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: now }],
      },
    }
  }
  return {
    note: 'Failed',
    status: {
      startTime: status.startTime,
      failed: 1,
      conditions: [
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: now },
      ],
    },
  }
}

/**
 * One step of the world for one object — what kubelets and built-in controllers would do next:
 * a Pod goes Pending → Running/Ready → (restartPolicy Never/OnFailure) Succeeded or Failed;
 * a Deployment or StatefulSet becomes available; a Job becomes active, then completes.
 * Returns the new status and a note, or undefined when the object has nothing more to do.
 */
export function advance(
  object: KObject,
  now: string,
  outcome: PodOutcomeFn = outcomeFromAnnotations,
): Step | undefined {
  const o = object as Obj
  if ((o.metadata as { deletionTimestamp?: string }).deletionTimestamp) return undefined
  if (o.apiVersion === 'v1' && o.kind === 'Pod') return podStep(o, now, outcome)
  if (
    o.apiVersion === 'apps/v1' &&
    (o.kind === 'Deployment' ||
      o.kind === 'StatefulSet' ||
      o.kind === 'ReplicaSet' ||
      o.kind === 'DaemonSet')
  )
    return workloadStep(o, now)
  if (o.apiVersion === 'batch/v1' && o.kind === 'Job') return jobStep(o, now, outcome)
  return undefined
}
