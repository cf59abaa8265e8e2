import type { Container, Pod, Volume } from 'kubernetes-types/core/v1'
import * as z from 'zod'
import { childName, fnv32a, type KObject } from 'metahooks'

export { fnv32a }

/** The claim a volumeClaimTemplate becomes: `<workflow>-<name>`, shortened to fit when long. */
export const claimName = (workflow: string, claim: string) =>
  childName({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, workflow, claim)
import type { ArtifactContainers } from './artifact-pod.ts'
import type { Location } from './artifact-schema.ts'
import type { ArtifactState } from './executor.ts'
import { readTerminationMessage } from './executor-message.ts'
import { mergePodSpec, parsePodSpecPatch } from './pod-spec-patch.ts'
import type { UserContainerSpec } from './container-schema.ts'
import type { Template, WorkflowSpec } from './schema.ts'

export const MAIN = 'main'
export const NODE_LABEL = 'workflows.metahooks.dev/node'
export const WORKFLOW_LABEL = 'workflows.metahooks.dev/workflow'
export const NODE_NAME_ANNOTATION = 'workflows.metahooks.dev/node-name'

/** `<workflow>-<template>-<hash>`, cut to a valid name: the same node always gets the same Pod. */
export function podName(
  workflow: string,
  template: string,
  nodeName: string,
  hash = fnv32a(nodeName),
): string {
  return `${podNamePrefix(workflow, template)}-${hash}`
}

/** Pod names for many nodes of one workflow: the prefix computed once per template. */
export function podNamer(workflow: string): (template: string, hash: string) => string {
  const prefixes = new Map<string, string>()
  return (template, hash) => {
    let prefix = prefixes.get(template)
    if (prefix === undefined) prefixes.set(template, (prefix = podNamePrefix(workflow, template)))
    return `${prefix}-${hash}`
  }
}

const podNamePrefix = (workflow: string, template: string) =>
  `${workflow}-${template}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 53)
    .replace(/-+$/, '')

export interface PodInput {
  workflow: { name: string }
  nodeName: string
  /** The Pod's name (podName of the workflow, template and node). */
  podName?: string
  /** The template, its fields substituted. */
  template: Template
  /** The workflow's Pod-level fields (nodeSelector, volumes, podSpecPatch, …). */
  spec: WorkflowSpec
  /** The main container as it runs (wrapped by the executor when the template needs it). */
  main: Container
  /** A containerSet's containers, main among them, in the order written. */
  containers?: Container[]
  /** The executor's init container and shared volume, when the main container is wrapped. */
  executor?: { init: Container; volume: Volume }
  /** The containers moving its artifacts, main's mounts of them already added. */
  artifacts?: ArtifactContainers
  /** Where its output artifacts go, by name (kept on the Pod: what it stored is where the Pod says). */
  outputArtifacts?: Record<string, Location>
  claims: { name: string; claimName: string }[]
}

/**
 * The Pod of a container or script node, as Argo builds it: the template's Pod-level fields win
 * over the workflow's; workflow volumes (and claims) are added when a container mounts them,
 * template volumes always; Argo's sidecars become native sidecars (init containers with
 * restartPolicy Always), which the kubelet stops when the main container ends — so a Pod with a
 * sidecar completes; then the workflow's and the template's podSpecPatch are merged on.
 */
export function buildPod(input: PodInput): Pod & KObject {
  const { template: t, spec: w, main } = input
  const mounts = (c: { volumeMounts?: { name: string }[] }) =>
    (c.volumeMounts ?? []).map((m) => m.name)
  // mirrorVolumeMounts: the main container's mounts too.
  const user = ({ mirrorVolumeMounts, ...c }: UserContainerSpec, extra: Partial<Container> = {}) =>
    ({
      ...c,
      ...(mirrorVolumeMounts && {
        volumeMounts: [...(c.volumeMounts ?? []), ...(main.volumeMounts ?? [])],
      }),
      ...extra,
    }) as Container
  const moved = input.artifacts
  const initContainers = [
    ...(input.executor ? [input.executor.init] : []),
    ...(moved?.inits ?? []),
    ...(moved?.sidecar ? [moved.sidecar] : []),
    ...(t.initContainers ?? []).map((c) => user(c)),
    ...(t.sidecars ?? []).map((c) => user(c, { restartPolicy: 'Always' })),
  ]
  const mounted = new Set([main, ...(input.containers ?? []), ...initContainers].flatMap(mounts))
  const volumes: Volume[] = [
    ...input.claims
      .filter((c) => mounted.has(c.name))
      .map((c) => ({ name: c.name, persistentVolumeClaim: { claimName: c.claimName } })),
    ...((w.volumes ?? []) as unknown as Volume[]).filter((v) => mounted.has(v.name)),
    ...((t.volumes ?? []) as unknown as Volume[]),
    ...(input.executor ? [input.executor.volume] : []),
    ...(moved?.volumes ?? []),
  ]
  const hostAliases = [...(w.hostAliases ?? []), ...(t.hostAliases ?? [])]
  const priorityClassName = t.priorityClassName ?? w.podPriorityClassName
  const serviceAccountName = t.serviceAccountName ?? w.serviceAccountName
  const automount = t.automountServiceAccountToken ?? w.automountServiceAccountToken
  let podSpec: Record<string, unknown> = {
    restartPolicy: 'Never',
    ...(serviceAccountName && { serviceAccountName }),
    ...(automount !== undefined && { automountServiceAccountToken: automount }),
    ...(t.activeDeadlineSeconds !== undefined && {
      activeDeadlineSeconds: t.activeDeadlineSeconds,
    }),
    ...pick('nodeSelector', t.nodeSelector ?? w.nodeSelector),
    ...pick('affinity', t.affinity ?? w.affinity),
    ...pick('tolerations', t.tolerations ?? w.tolerations),
    ...pick('securityContext', t.securityContext ?? w.securityContext),
    ...pick('schedulerName', t.schedulerName ?? w.schedulerName),
    ...pick('priorityClassName', priorityClassName),
    ...pick('imagePullSecrets', w.imagePullSecrets),
    ...pick('hostNetwork', w.hostNetwork),
    ...pick('dnsPolicy', w.dnsPolicy),
    ...pick('dnsConfig', w.dnsConfig),
    ...(hostAliases.length > 0 && { hostAliases }),
    ...(initContainers.length > 0 && { initContainers }),
    containers: input.containers ?? [main],
    ...(volumes.length > 0 && { volumes }),
  }
  for (const patch of [w.podSpecPatch, t.podSpecPatch])
    if (patch !== undefined) podSpec = mergePodSpec(podSpec, parsePodSpecPatch(patch))
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.podName ?? podName(input.workflow.name, t.name, input.nodeName),
      labels: {
        ...w.podMetadata?.labels,
        ...t.metadata?.labels,
        // A Pod name ends in the node's hash.
        [NODE_LABEL]: input.podName?.slice(-8) ?? fnv32a(input.nodeName),
        ...(input.workflow.name.length <= 63 && { [WORKFLOW_LABEL]: input.workflow.name }),
      },
      annotations: {
        ...w.podMetadata?.annotations,
        ...t.metadata?.annotations,
        [NODE_NAME_ANNOTATION]: input.nodeName,
        ...(input.outputArtifacts && {
          [OUTPUT_ARTIFACTS_ANNOTATION]: JSON.stringify(input.outputArtifacts),
        }),
      },
    },
    spec: podSpec as unknown as Pod['spec'],
  }
}

const pick = <K extends string>(key: K, value: unknown) =>
  value === undefined ? {} : { [key]: value }

/** What the engine reads from an observed Pod (checked before the hook runs). */
const ContainerStatuses = z
  .array(
    z.looseObject({
      name: z.string(),
      state: z
        .looseObject({
          terminated: z
            .looseObject({
              exitCode: z.number(),
              reason: z.string().optional(),
              message: z.string().optional(),
              startedAt: z.string().optional(),
              finishedAt: z.string().optional(),
            })
            .optional(),
        })
        .optional(),
    }),
  )
  .optional()

export const ObservedPod = z.looseObject({
  spec: z.looseObject({ nodeName: z.string().optional() }).optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startTime: z.string().optional(),
      podIP: z.string().optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
      containerStatuses: ContainerStatuses,
      initContainerStatuses: ContainerStatuses,
    })
    .optional(),
})
type Observed = z.infer<typeof ObservedPod>

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error'

export interface PodResult {
  phase: PodPhase
  startedAt?: string
  finishedAt?: string
  exitCode?: number
  message?: string
  result?: string
  parameters?: Record<string, string>
  /** What became of the output artifacts (the executor's record). */
  artifacts?: Record<string, ArtifactState>
  /** Where the Pod stored its output artifacts (its annotation). */
  artifactLocations?: Record<string, Location>
  /** Why the outputs cannot be read (too large for a termination message, or cut). */
  outputsProblem?: string
  /** The node (machine) the Pod ran on, for retryStrategy.affinity.nodeAntiAffinity. */
  hostNodeName?: string
  /** Running Pods: whether it is Ready, and its IP (for daemons). */
  ready?: boolean
  podIP?: string
}

/** The outputs in a termination message: the executor's, else the text a container wrote itself. */
function readMessage(
  message: string | undefined,
): Pick<PodResult, 'result' | 'parameters' | 'artifacts' | 'outputsProblem'> {
  const executor = readTerminationMessage(message)
  if (!executor) return parseMessage(message)
  const problem = executor.overflow ?? executor.error
  return {
    ...(executor.result !== undefined && { result: executor.result }),
    parameters: executor.parameters,
    ...(executor.artifacts && { artifacts: executor.artifacts }),
    ...(problem && { outputsProblem: problem }),
  }
}

/** A container not run through the executor that writes its own termination message: its text is the result. */
function parseMessage(message: string | undefined): { result?: string } {
  return message === undefined || message === '' ? {} : { result: message.replace(/\n$/, '') }
}

/**
 * The node's result from its Pod: Succeeded; Failed when the main container exited non-zero;
 * Error when the Pod failed otherwise (evicted, deadline, image never pulled); else still running.
 */
export function readPod(pod: KObject): PodResult {
  const status = (pod as Observed).status ?? {}
  const main = status.containerStatuses?.find((c) => c.name === MAIN)?.state?.terminated
  const node = (pod as Observed).spec?.nodeName
  const locations = pod.metadata.annotations?.[OUTPUT_ARTIFACTS_ANNOTATION]
  const base = {
    ...(status.startTime && { startedAt: status.startTime }),
    ...(node && { hostNodeName: node }),
    ...(locations && { artifactLocations: parseLocations(locations) }),
  }
  switch (status.phase) {
    case 'Succeeded':
      return {
        ...base,
        phase: 'Succeeded',
        exitCode: main?.exitCode ?? 0,
        ...(main?.finishedAt && { finishedAt: main.finishedAt }),
        ...readMessage(main?.message),
      }
    case 'Failed':
      if (main && main.exitCode !== 0) {
        const outputs = readMessage(main.message)
        // The executor's message holds outputs, not a reason: say what Argo says.
        const executor = readTerminationMessage(main.message)
        const reason = executor
          ? (executor.message ?? `Error (exit code ${main.exitCode})`)
          : (main.message ?? main.reason ?? `exit code ${main.exitCode}`)
        return {
          ...base,
          phase: 'Failed',
          exitCode: main.exitCode,
          ...(main.finishedAt && { finishedAt: main.finishedAt }),
          message: reason.slice(0, 256),
          ...outputs,
        }
      }
      return {
        ...base,
        phase: 'Error',
        message: (status.message ?? initFailure(status) ?? status.reason ?? 'the Pod failed').slice(
          0,
          256,
        ),
      }
    case 'Running':
      return {
        ...base,
        phase: 'Running',
        ready: status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
        ...(status.podIP && { podIP: status.podIP }),
      }
    default:
      return { ...base, phase: 'Pending' }
  }
}

/** An init container that failed (the executor's fetching input artifacts says why in its termination message). */
function initFailure(status: NonNullable<Observed['status']>): string | undefined {
  const failed = status.initContainerStatuses?.find(
    (c) => c.state?.terminated && c.state.terminated.exitCode !== 0,
  )
  const t = failed?.state?.terminated
  return (
    t &&
    `init container ${failed.name} failed${t.message ? `: ${t.message.trim()}` : ` (exit code ${t.exitCode})`}`
  )
}

/** The annotation a Pod keeps its output artifacts' locations in. */
export const OUTPUT_ARTIFACTS_ANNOTATION = 'workflows.metahooks.dev/output-artifacts'

function parseLocations(text: string): Record<string, Location> | undefined {
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, Location>)
      : undefined
  } catch {
    return undefined
  }
}
