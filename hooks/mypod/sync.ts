import type { Container, Pod } from 'kubernetes-types/core/v1'
import {
  canonicalJson,
  childName,
  condition,
  findCondition,
  fnv32a,
  labelValueOf,
  splitCommand,
  type CompositeSyncResult,
  type KObject,
  type ObservedObjects,
  type Parent,
} from 'metahooks'
import type { MyPodSpec } from './schema.ts'

export const CONTAINER = 'main'

/**
 * The one Pod a MyPod wants, running `image`, `customCommand` and `URI`. A Pod's spec cannot change
 * once it exists, so its name carries a hash of the container (`<mypod>-<hash>`, like a
 * ReplicaSet's pod-template-hash): a spec change is a new Pod, and the old one, no longer desired,
 * is deleted. That converges under both of Metacontroller's apply strategies, where a Pod patched
 * in place would be refused by the API server.
 */
export function desiredPod(parent: Parent<MyPodSpec>, spec: MyPodSpec): Pod & KObject {
  const container: Container = { name: CONTAINER, image: spec.image }
  if (spec.customCommand !== undefined) container.command = splitCommand(spec.customCommand)
  if (spec.uri !== undefined) container.env = [{ name: 'URI', value: spec.uri }]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: childName(
        { apiVersion: 'v1', kind: 'Pod' },
        parent.metadata.name,
        fnv32a(canonicalJson(container)),
      ),
      labels: {
        'app.kubernetes.io/name': 'mypod',
        'app.kubernetes.io/instance': labelValueOf(parent.metadata.name),
        'app.kubernetes.io/managed-by': 'metahooks',
      },
    },
    spec: { containers: [container] },
  }
}

/** "a, b, c" or "a, b, c and 7 more": a status message stays short however many Pods there are. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ')
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown
}

/** Status from what Metacontroller observed: the Pod's phase and a Ready condition. No clock. */
export function podStatus(
  observed: Pod | undefined,
  desired: Pod,
  replacing: readonly string[] = [],
): Record<string, unknown> {
  const name = desired.metadata!.name!
  const base = { podName: name, image: desired.spec!.containers[0]!.image }
  if (!observed) {
    if (replacing.length > 0) {
      return {
        ...base,
        phase: 'Pending',
        conditions: [
          condition(
            'Ready',
            false,
            'Replacing',
            `the spec changed: Pod ${name} replaces ${listed(replacing)}`,
          ),
        ],
      }
    }
    return {
      ...base,
      phase: 'Pending',
      conditions: [
        condition('Ready', false, 'PodNotCreated', `waiting for Pod ${name} to be created`),
      ],
    }
  }
  const phase = observed.status?.phase ?? 'Pending'
  if (observed.metadata?.deletionTimestamp) {
    return {
      ...base,
      phase,
      conditions: [condition('Ready', false, 'PodTerminating', `Pod ${name} is being deleted`)],
    }
  }
  const ready = findCondition(observed, 'Ready')
  if (ready?.status === 'True') {
    return {
      ...base,
      phase,
      conditions: [
        condition('Ready', true, 'PodReady', `Pod ${name} is ready`, ready.lastTransitionTime),
      ],
    }
  }
  if (replacing.length > 0) {
    return {
      ...base,
      phase,
      conditions: [
        condition(
          'Ready',
          false,
          'Replacing',
          `the spec changed: Pod ${name} (${phase}) replaces ${listed(replacing)}`,
        ),
      ],
    }
  }
  return {
    ...base,
    phase,
    conditions: [
      condition(
        'Ready',
        false,
        ready?.reason ?? 'PodNotReady',
        ready?.message ?? `Pod ${name} is ${phase}`,
        ready?.lastTransitionTime,
      ),
    ],
  }
}

export function sync({
  parent,
  spec,
  children,
}: {
  parent: Parent<MyPodSpec>
  spec: MyPodSpec
  children: ObservedObjects
}): CompositeSyncResult {
  const pod = desiredPod(parent, spec)
  const name = pod.metadata.name
  const observed = children.get<Pod & KObject>('Pod', name)
  // Earlier Pods of this MyPod: not desired any more, so Metacontroller deletes them.
  const replacing = children
    .list<Pod & KObject>('Pod')
    .map((p) => p.metadata.name)
    .filter((n) => n !== name)
    .sort()
  return { children: [pod], status: podStatus(observed, pod, replacing) }
}
