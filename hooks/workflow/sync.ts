import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1'
import {
  HookError,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type RelatedResourceRule,
} from 'metahooks'
import {
  ARTIFACT_REPOSITORIES,
  artifactRepository,
  needsRepository,
  usesArtifacts,
} from './artifacts.ts'
import { configMapNames } from './configmaps.ts'
import { IMAGES_CONFIGMAP, imagesFrom } from './entrypoints.ts'
import {
  referencedSources,
  resolveTemplates,
  templateRules,
  type StoredTemplates,
} from './template-refs.ts'
import { evaluate } from './engine.ts'
import type { NodeRecord } from './nodes.ts'
import { claimName, NODE_NAME_ANNOTATION } from './pods.ts'
import { earliest, isFulfilled, isWorkflowDone, iso } from './nodes.ts'
import { applyRetry, holdPods, retryAsked, type RetryStatus } from './retry-workflow.ts'
import { expand, type FinishedPods, type Memo } from './compact.ts'
import type { WorkflowSpec } from './schema.ts'
import { validateWorkflow } from './validate.ts'
import { admit, locksOf, LOCK_LABEL } from './synchronization.ts'
import { NodeLocks } from './node-locks.ts'
import { GROUP_VERSION } from './template-refs.ts'

/** How often a waiting workflow looks at its locks again, besides when a lock slot or Workflow changes. */
const LOCK_RETRY_SECONDS = 15
/** How often a retried workflow looks again for a previous attempt's Pod to be gone, besides when it goes. */
const HELD_POD_RETRY_SECONDS = 5
import { normalize } from './normalize.ts'
import { loadPodCheck } from './pod-build.ts'

/** The shared volume of a workflow: one claim per volumeClaimTemplate, named `<workflow>-<name>`. */
function claims(name: string, spec: WorkflowSpec): (PersistentVolumeClaim & KObject)[] {
  return (spec.volumeClaimTemplates ?? []).map((c) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName(name, c.metadata.name) },
    spec: c.spec as PersistentVolumeClaim['spec'],
  }))
}

interface ObservedStatus {
  nodes?: Record<string, NodeRecord>
  phase?: string
  startedAt?: string
  finishedAt?: string
  finishedPods?: FinishedPods
  storedTemplates?: StoredTemplates
  waitingForTemplates?: string[]
  waitingForConfigMaps?: string[]
  /** Checked before sync runs (WorkflowObservedStatus). */
  retry?: RetryStatus
}

/** What the workflow needs related: the WorkflowTemplates it refers to and the ConfigMaps its parameters read. */
export function customize({ parent, spec }: CustomizeContext<WorkflowSpec>): RelatedResourceRule[] {
  const status = (parent.status ?? {}) as ObservedStatus
  const repository =
    usesArtifacts(spec) || usesArtifacts(status.storedTemplates)
      ? [spec.artifactRepositoryRef?.configMap ?? ARTIFACT_REPOSITORIES]
      : []
  const configMaps = [
    ...new Set([
      IMAGES_CONFIGMAP,
      ...repository,
      ...configMapNames(spec),
      ...configMapNames(status.storedTemplates ?? {}),
      ...(status.waitingForConfigMaps ?? []),
    ]),
  ].sort()
  // Synchronization: every lock slot of the namespace and the Workflows that may wait for one.
  const locks: RelatedResourceRule[] =
    spec.synchronization || templateLocks(spec) || templateLocks(status.storedTemplates)
      ? [
          {
            apiVersion: 'v1',
            resource: 'configmaps',
            labelSelector: { matchExpressions: [{ key: LOCK_LABEL, operator: 'Exists' }] },
          },
          { apiVersion: GROUP_VERSION, resource: 'workflows', labelSelector: {} },
        ]
      : []
  return [
    ...templateRules(referencedSources(spec, status)),
    { apiVersion: 'v1', resource: 'configmaps', names: configMaps },
    ...locks,
  ]
}

/**
 * Resolve the WorkflowTemplates it refers to (Pending while one is missing), validate (422 before any Pod exists), then evaluate the workflow against the observed Pods
 * and the status we recorded last time. Every Pod the engine still needs is in the answer —
 * including finished ones whose result the observed status does not hold yet.
 */
export async function sync({
  parent,
  spec: written,
  children,
  related,
  now,
}: HookContext<WorkflowSpec>): Promise<CompositeSyncResult> {
  const status = (parent.status ?? {}) as ObservedStatus
  const namespace = parent.metadata.namespace ?? 'default'
  const resolved = resolveTemplates(written, related, namespace, status.storedTemplates ?? {})
  if (!resolved.ok && 'invalid' in resolved)
    throw new HookError(422, `invalid workflow: ${resolved.invalid}`)
  // ConfigMaps named only inside referenced templates are related once customize has seen them (in the status).
  const askedFor = new Set([
    ...configMapNames(written),
    ...configMapNames(status.storedTemplates ?? {}),
  ])
  const unseen = resolved.ok
    ? [...configMapNames(resolved.stored)].filter((n) => !askedFor.has(n))
    : []
  if (!resolved.ok || unseen.length > 0) {
    const waiting = resolved.ok ? unseen.map((n) => `ConfigMap/${n}`) : resolved.missing
    // Waiting is only for a run that has not started: a running one has what it needs stored.
    const started =
      children.list('Pod').length > 0 ||
      Object.keys(status.nodes ?? {}).length > 0 ||
      (status.finishedPods?.rows.length ?? 0) > 0
    if (started)
      throw new HookError(
        409,
        `the workflow has started but cannot resolve ${waiting.join(', ')}; restore them (or the spec it started with)`,
      )
    return {
      children: [],
      status: {
        phase: 'Pending',
        message: `waiting for ${waiting.join(', ')}`,
        ...(resolved.ok
          ? { storedTemplates: resolved.stored, waitingForConfigMaps: unseen }
          : { waitingForTemplates: resolved.missing }),
        conditions: [
          {
            type: 'TemplatesResolved',
            status: 'False',
            reason: resolved.ok ? 'WaitingForConfigMaps' : 'WorkflowTemplateNotFound',
            message: `waiting for ${waiting.join(', ')}`,
          },
        ],
      },
    }
  }
  const spec = normalize(resolved.spec)
  const configMaps = Object.fromEntries(
    related
      .list<KObject & { data?: Record<string, string> }>('ConfigMap')
      .map((c) => [c.metadata.name, c.data ?? {}]),
  )
  const images = imagesFrom(configMaps[IMAGES_CONFIGMAP])
  validateWorkflow(spec, images.images, images.problems)
  const repository = artifactRepository(spec, related.list('ConfigMap'))
  const needs = needsRepository(spec)
  if (needs && 'problem' in repository)
    throw new HookError(
      422,
      `invalid workflow: ${needs} needs an artifact repository: ${repository.problem}`,
    )
  const locks = locksOf(spec.synchronization, namespace)
  const recorded = expand(
    parent.metadata.name,
    status.nodes && typeof status.nodes === 'object' ? status.nodes : {},
    status.finishedPods,
  )
  const previousRetry = status.retry
  const ask = retryAsked(parent.metadata.annotations, status.phase, spec.shutdown, previousRetry)
  const workflow = {
    name: parent.metadata.name,
    namespace,
    ...(parent.metadata.uid && { uid: parent.metadata.uid }),
    ...(typeof parent.metadata.creationTimestamp === 'string' && {
      creationTimestamp: parent.metadata.creationTimestamp,
    }),
    ...(parent.metadata.labels && { labels: parent.metadata.labels }),
    ...(parent.metadata.annotations && { annotations: parent.metadata.annotations }),
  }
  const lockSlots = related
    .list('ConfigMap')
    .filter((c) => c.metadata.labels?.[LOCK_LABEL] !== undefined)
  const world = {
    workflow: { ...workflow, ...(spec.priority !== undefined && { priority: spec.priority }) },
    configMaps,
    slots: lockSlots,
    workflows: related.list('Workflow'),
  }
  const admission = locks.length > 0 ? admit(locks, world) : undefined
  const nodeLocks = templateLocks(spec) ? new NodeLocks(world, namespace) : undefined
  const retry = applyRetry({
    workflow: parent.metadata.name,
    memo: recorded,
    pods: children.list('Pod'),
    ask,
    previous: previousRetry,
    now: iso(now!.getTime()),
    lockWait: admission && !admission.admitted ? (admission.message ?? 'its locks') : undefined,
  })
  const { memo, pods: observedPods } = retry
  // A run that has not started waits for its locks; one that has started is never held back (its Pods must stay).
  const started = observedPods.length > 0 || memo.nodes.size > 0
  if (admission && !admission.admitted && !started) {
    return {
      children: admission.slots,
      status: {
        phase: 'Pending',
        message: admission.message ?? 'waiting for its locks',
        synchronization: admission.status,
      },
      resyncAfterSeconds: LOCK_RETRY_SECONDS,
    }
  }
  const out = evaluate({
    workflow,
    spec,
    now: now!,
    memo,
    ...(retry.restarted
      ? { observedPhase: 'Running', observedStartedAt: iso(now!.getTime()) }
      : {
          ...(typeof status.phase === 'string' && { observedPhase: status.phase }),
          ...(typeof status.startedAt === 'string' && { observedStartedAt: status.startedAt }),
          ...(typeof status.finishedAt === 'string' &&
            isWorkflowDone(status.phase) && { observedFinishedAt: status.finishedAt }),
        }),
    pods: new Map(observedPods.map((p) => [p.metadata.name, p])),
    configMaps,
    images: images.images,
    ...('repository' in repository && { artifactRepository: repository.repository }),
    checkPod: await loadPodCheck(),
    ...(nodeLocks && { nodeLocks }),
  })
  keepsUnrecordedPods(parent.metadata.name, memo, observedPods, out.pods)
  const { held, status: retryStatus } = holdPods(retry, observedPods, out.pods)
  // A run that ended gives its locks back: their slots leave the answer.
  // A retry waiting for its locks takes its slots while it waits, as a run that has not started does.
  const waitingToRetry = ask.kind === 'retry' && !retry.restarted
  const holdsLocks = !isWorkflowDone(out.status.phase) || waitingToRetry
  const resync = earliest(
    out.resyncAfterSeconds,
    held.size > 0 ? HELD_POD_RETRY_SECONDS : undefined,
    waitingToRetry ? LOCK_RETRY_SECONDS : undefined,
  )
  return {
    children: [
      ...claims(parent.metadata.name, spec),
      ...out.pods.filter((p) => !held.has(p.metadata.name)),
      ...(admission && holdsLocks ? admission.slots : []),
      ...(nodeLocks?.slots ?? []),
    ],
    status: {
      ...out.status,
      ...(Object.keys(resolved.stored).length > 0 && { storedTemplates: resolved.stored }),
      ...synchronizationStatus(
        admission && holdsLocks ? admission.status : undefined,
        nodeLocks?.status(),
      ),
      ...(retryStatus && { retry: retryStatus }),
    },
    ...(resync !== undefined && { resyncAfterSeconds: resync }),
  }
}

/**
 * The rule the engine is built around, checked on its answer: a Pod leaves the child list only
 * once the status Metacontroller sent records its node as finished. Anything else (a bug, or a spec
 * edited under a running Pod) is refused instead of answered, so Metacontroller deletes nothing.
 */
function keepsUnrecordedPods(
  workflow: string,
  memo: Memo,
  observed: readonly KObject[],
  desired: readonly KObject[],
): void {
  const kept = new Set(desired.map((p) => p.metadata.name))
  for (const pod of observed) {
    if (kept.has(pod.metadata.name)) continue
    const node = pod.metadata.annotations?.[NODE_NAME_ANNOTATION]
    // Node paths start with the workflow's name; a Pod of another path (no such node can exist) is not judged here.
    if (
      node === undefined ||
      !(
        node === workflow ||
        node.startsWith(`${workflow}.`) ||
        node.startsWith(`${workflow}(`) ||
        node.startsWith(`${workflow}[`)
      )
    )
      continue
    const recorded = memo.nodes.get(node)
    if (recorded && isFulfilled(recorded.phase)) continue
    throw new HookError(
      409,
      `the Pod ${pod.metadata.name} (node ${node}) has no recorded end but is no longer part of the workflow — was the spec edited while it ran? Delete the Pod or restore the spec`,
    )
  }
}

/** Whether some template (of the spec, or stored from a WorkflowTemplate) names a lock. */
function templateLocks(
  value: { templates?: readonly { synchronization?: unknown }[] } | StoredTemplates | undefined,
): boolean {
  if (!value) return false
  if ('templates' in value && Array.isArray(value.templates))
    return value.templates.some((t) => t.synchronization !== undefined)
  return /"synchronization":/.test(JSON.stringify(value))
}

/** `status.synchronization`: the workflow's own locks and its nodes', Argo's lists merged. */
function synchronizationStatus(
  workflow: Record<string, unknown> | undefined,
  nodes: Record<string, Record<string, unknown[]>> | undefined,
): Record<string, unknown> {
  const merged: Record<string, Record<string, unknown[]>> = {}
  for (const part of [workflow as Record<string, Record<string, unknown[]>> | undefined, nodes]) {
    for (const [kind, lists] of Object.entries(part ?? {}))
      for (const [key, list] of Object.entries(lists))
        ((merged[kind] ??= {})[key] ??= []).push(...list)
  }
  return Object.keys(merged).length > 0 ? { synchronization: merged } : {}
}
