import type { Container, Pod } from 'kubernetes-types/core/v1'
import type { CompositeSyncResult, Parent } from '../core/define.ts'
import type { ObservedObjects } from '../core/contract/objectmap.ts'
import { condition, findCondition } from '../core/k8s/conditions.ts'
import { splitCommand } from '../core/k8s/command.ts'
import { labelValueOf } from '../core/k8s/names.ts'
import type { KObject } from '../core/contract/objects.ts'
import type { MyPodSpec } from './schema.ts'

export const CONTAINER = 'main'

/** The one Pod a MyPod wants: named after it, running `image`, `customCommand` and `URI`. */
export function desiredPod(parent: Parent<MyPodSpec>, spec: MyPodSpec): Pod & KObject {
  const container: Container = { name: CONTAINER, image: spec.image }
  if (spec.customCommand !== undefined) container.command = splitCommand(spec.customCommand)
  if (spec.uri !== undefined) container.env = [{ name: 'URI', value: spec.uri }]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: parent.metadata.name,
      labels: {
        'app.kubernetes.io/name': 'mypod',
        'app.kubernetes.io/instance': labelValueOf(parent.metadata.name),
        'app.kubernetes.io/managed-by': 'metahooks',
      },
    },
    spec: { containers: [container] },
  }
}

function sameContainer(observed: Container | undefined, desired: Container): boolean {
  if (!observed) return false
  return (
    observed.image === desired.image &&
    JSON.stringify(observed.command ?? null) === JSON.stringify(desired.command ?? null) &&
    JSON.stringify((observed.env ?? []).map((e) => [e.name, e.value])) === JSON.stringify((desired.env ?? []).map((e) => [e.name, e.value]))
  )
}

/** Status from what Metacontroller observed: the Pod's phase and a Ready condition. No clock. */
export function podStatus(observed: Pod | undefined, desired: Pod): Record<string, unknown> {
  const name = desired.metadata!.name!
  const base = { podName: name, image: desired.spec!.containers[0]!.image }
  if (!observed) {
    return { ...base, phase: 'Pending', conditions: [condition('Ready', false, 'PodNotCreated', `waiting for Pod ${name} to be created`)] }
  }
  const phase = observed.status?.phase ?? 'Pending'
  const current = observed.spec?.containers?.find((c) => c.name === CONTAINER)
  if (observed.metadata?.deletionTimestamp) {
    return { ...base, phase, conditions: [condition('Ready', false, 'PodTerminating', `Pod ${name} is being deleted`)] }
  }
  if (!sameContainer(current, desired.spec!.containers[0]!)) {
    return {
      ...base,
      phase,
      conditions: [condition('Ready', false, 'Recreating', `Pod ${name} runs an outdated spec and is being recreated`)],
    }
  }
  const ready = findCondition(observed, 'Ready')
  if (ready?.status === 'True') {
    return { ...base, phase, conditions: [condition('Ready', true, 'PodReady', `Pod ${name} is ready`, ready.lastTransitionTime)] }
  }
  return {
    ...base,
    phase,
    conditions: [
      condition('Ready', false, ready?.reason ?? 'PodNotReady', ready?.message ?? `Pod ${name} is ${phase}`, ready?.lastTransitionTime),
    ],
  }
}

export function sync({ parent, spec, children }: { parent: Parent<MyPodSpec>; spec: MyPodSpec; children: ObservedObjects }): CompositeSyncResult {
  const pod = desiredPod(parent, spec)
  const observed = children.get<Pod & KObject>('Pod', parent.metadata.name)
  return { children: [pod], status: podStatus(observed, pod) }
}
