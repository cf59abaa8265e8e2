import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { applyDesired, withLastApplied } from './apply.ts'
import { deepEqual, objectKey, type Cluster } from './cluster.ts'
import { immutableChange } from './immutable.ts'
import {
  CONTROLLER_UID_LABEL,
  DECORATOR_ANNOTATION,
  claimChildren,
  controllerRefTo,
  decoratorAttachments,
  isDeleting,
  ownerReferences,
} from './ownership.ts'
import type { ActionType } from './simulator.ts'

/** What one pass of Metacontroller's child management needs from the simulation. */
export interface ManageContext {
  definition: ControllerDefinition
  cluster: Cluster
  /** `--apply-strategy server-side-apply`: a Recreate dry-runs the update first. */
  serverSideApply: boolean
  act: (type: ActionType, o: KObject, detail?: string) => void
  /** The pass fails (Metacontroller retries it) with this message. */
  fail: (message: string) => void
}

function typeKey(o: { apiVersion: string; kind: string }): string {
  return `${o.kind}.${o.apiVersion}`
}

/**
 * Metacontroller's manage-children step for one parent: desired children defaulted (namespace,
 * controller-uid label, decorator annotation), undesired observed ones deleted, missing ones
 * created with the owner reference, existing ones updated per their type's update strategy — and
 * what the API server would refuse (immutable fields, new objects in a dying namespace) refused.
 */
export function manageChildren(
  { definition: def, cluster, serverSideApply, act, fail }: ManageContext,
  parent: KObject,
  desiredList: readonly KObject[],
): void {
  const refuse = (o: KObject, message: string) => {
    act('refused', o, message)
    fail(message)
  }
  const parentNs = parent.metadata.namespace
  const desired = new Map<string, KObject>()
  for (const d of desiredList) {
    let child = structuredClone(d)
    if (!child.metadata.namespace && parentNs)
      child = { ...child, metadata: { ...child.metadata, namespace: parentNs } }
    if (
      def.type === 'composite' &&
      def.generateSelector &&
      child.metadata.labels?.[CONTROLLER_UID_LABEL] === undefined
    ) {
      child = {
        ...child,
        metadata: {
          ...child.metadata,
          labels: { ...child.metadata.labels, [CONTROLLER_UID_LABEL]: parent.metadata.uid ?? '' },
        },
      }
    }
    if (def.type === 'decorator') {
      child = {
        ...child,
        metadata: {
          ...child.metadata,
          annotations: { ...child.metadata.annotations, [DECORATOR_ANNOTATION]: def.name },
        },
      }
    }
    desired.set(objectKey(child), child)
  }
  const observed =
    def.type === 'composite'
      ? claimChildren(def, parent, cluster.list()).claimed
      : decoratorAttachments(def, parent, cluster.list())
  const declared = def.type === 'composite' ? def.children : def.attachments

  for (const o of observed) {
    if (!desired.has(objectKey(o)) && !isDeleting(o)) {
      cluster.remove(o)
      act('deleted', o)
      for (const g of cluster.collectGarbage()) act('garbage-collected', g)
    }
  }
  const rolled = new Set<string>()
  for (const [key, child] of desired) {
    const existing = cluster.get({
      apiVersion: child.apiVersion,
      kind: child.kind,
      name: child.metadata.name,
      namespace: child.metadata.namespace,
    })
    if (!existing && namespaceTerminating(cluster, child.metadata.namespace)) {
      // The API server refuses new objects in a namespace being deleted.
      act(
        'refused',
        child,
        `unable to create new content in namespace ${child.metadata.namespace} because it is being terminated`,
      )
      continue
    }
    if (!existing) {
      const created = withLastApplied(
        {
          ...child,
          metadata: {
            ...child.metadata,
            ownerReferences: [...ownerReferences(child), controllerRefTo(parent)],
          },
        } as KObject,
        child,
      )
      cluster.create(created)
      act('created', child)
      continue
    }
    if (!observed.some((o) => objectKey(o) === key)) {
      act(
        'conflict',
        child,
        'exists but is not owned by this parent (Metacontroller ignores AlreadyExists)',
      )
      continue
    }
    if (isDeleting(existing)) continue
    const type = declared.find((t) => typeKey(t) === typeKey(child))
    const method = type?.updateStrategy.method ?? 'OnDelete'
    if (method === 'OnDelete') continue
    const applied = applyDesired(existing, child)
    if (deepEqual(applied, existing)) continue
    const rolling = method === 'RollingRecreate' || method === 'RollingInPlace'
    if (rolling) {
      if (rolled.has(typeKey(child))) continue
      rolled.add(typeKey(child))
    }
    const immutable = immutableChange(existing, applied)
    if (method === 'Recreate' || method === 'RollingRecreate') {
      // Server-side apply dry-runs the update before deleting: the API server refuses it.
      if (serverSideApply && immutable) {
        refuse(existing, `dry run failed for server-side apply: ${immutable}`)
        continue
      }
      cluster.remove(existing)
      act('recreating', existing, `${method}: deleted, created again next round`)
      for (const g of cluster.collectGarbage()) act('garbage-collected', g)
    } else if (immutable) {
      refuse(existing, immutable)
    } else {
      cluster.update(applied)
      act('updated', existing, method)
    }
  }
}

/** Whether the namespace is being deleted: the API server then refuses new objects in it. */
export function namespaceTerminating(cluster: Cluster, namespace: string | undefined): boolean {
  if (!namespace) return false
  const ns = cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }) as
    | (KObject & { status?: { phase?: string } })
    | undefined
  return ns !== undefined && (isDeleting(ns) || ns.status?.phase === 'Terminating')
}
