import { entryKey, groupKey } from '../contract/objectmap.ts'
import type { HookVersion, KObject, ObjectMap, LabelSelector } from '../contract/objects.ts'
import type { RelatedResourceRule } from '../contract/responses.ts'
import { defaultScope, pluralize } from '../k8s/resources.ts'
import { matchesSelector } from '../k8s/selectors.ts'

/** Plural resource → kind for built-in types a rule may name before any object of them exists. */
const KNOWN_KINDS: Record<string, string> = {
  pods: 'Pod',
  services: 'Service',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  namespaces: 'Namespace',
  serviceaccounts: 'ServiceAccount',
  persistentvolumeclaims: 'PersistentVolumeClaim',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  replicasets: 'ReplicaSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
  ingresses: 'Ingress',
  networkpolicies: 'NetworkPolicy',
  roles: 'Role',
  rolebindings: 'RoleBinding',
  clusterroles: 'ClusterRole',
  clusterrolebindings: 'ClusterRoleBinding',
  nodes: 'Node',
  endpoints: 'Endpoints',
}

export class RelatedRuleError extends Error {
  override name = 'RelatedRuleError'
}

function kindFor(
  rule: RelatedResourceRule,
  objects: readonly KObject[],
  extraKinds: readonly string[],
): string {
  const fromObjects = objects.find(
    (o) => o.apiVersion === rule.apiVersion && pluralize(o.kind) === rule.resource,
  )?.kind
  const known =
    fromObjects ??
    extraKinds.find((k) => pluralize(k) === rule.resource) ??
    KNOWN_KINDS[rule.resource]
  if (!known)
    throw new RelatedRuleError(
      `cannot tell which kind resource "${rule.resource}" is: give an object of that type`,
    )
  return known
}

const sel = (s: LabelSelector | undefined, o: KObject) =>
  s === undefined || matchesSelector(s, o.metadata.labels ?? {})

/**
 * Evaluates customize rules against a set of objects the way Metacontroller does (contract §6),
 * including the v1/v2 namespace rules, and returns the `related` map for the sync hook.
 */
export function relatedObjects(
  rules: readonly RelatedResourceRule[],
  parent: KObject,
  version: HookVersion,
  objects: readonly KObject[],
  extraKinds: readonly string[] = [],
): ObjectMap {
  const parentNs = parent.metadata.namespace ?? ''
  const v1Namespaced = version === 'v1' && parentNs !== ''
  const groups: Record<string, KObject[]> = {}
  rules.forEach((rule, i) => {
    const where = `relatedResources[${i}] (${rule.resource})`
    if (rule.names && (rule.labelSelector || rule.namespaceSelector))
      throw new RelatedRuleError(`${where}: names cannot be combined with selectors`)
    if (rule.namespace && rule.namespaceSelector)
      throw new RelatedRuleError(`${where}: namespace cannot be combined with namespaceSelector`)
    const kind = kindFor(rule, objects, extraKinds)
    const ofType = objects.filter((o) => o.apiVersion === rule.apiVersion && o.kind === kind)
    const namespaced =
      ofType.length > 0
        ? ofType.some((o) => o.metadata.namespace)
        : defaultScope(kind) === 'Namespaced'
    const ns = (o: KObject) => o.metadata.namespace ?? ''
    let selected: KObject[]
    if (rule.namespaceSelector) {
      if (!namespaced)
        throw new RelatedRuleError(`${where}: namespaceSelector needs a namespaced resource`)
      if (v1Namespaced)
        throw new RelatedRuleError(
          `${where}: namespaceSelector needs hook version v2 for a namespaced parent`,
        )
      const namespaces = new Set(
        objects
          .filter(
            (o) =>
              o.apiVersion === 'v1' && o.kind === 'Namespace' && sel(rule.namespaceSelector, o),
          )
          .map((o) => o.metadata.name),
      )
      selected = ofType.filter((o) => namespaces.has(ns(o)) && sel(rule.labelSelector, o))
    } else if (rule.labelSelector && rule.namespace) {
      if (v1Namespaced && namespaced && rule.namespace !== parentNs)
        throw new RelatedRuleError(
          `${where}: a v1 hook of a namespaced parent sees only its own namespace`,
        )
      selected = ofType.filter(
        (o) => (!namespaced || ns(o) === rule.namespace) && sel(rule.labelSelector, o),
      )
    } else if (rule.namespace || rule.names) {
      if (v1Namespaced && namespaced && rule.namespace && rule.namespace !== parentNs) {
        throw new RelatedRuleError(
          `${where}: a v1 hook of a namespaced parent sees only its own namespace`,
        )
      }
      selected = ofType.filter(
        (o) =>
          (!namespaced || !rule.namespace || ns(o) === rule.namespace) &&
          (!rule.names || rule.names.includes(o.metadata.name)),
      )
    } else {
      selected = ofType.filter(
        (o) => sel(rule.labelSelector, o) && !(v1Namespaced && namespaced && ns(o) !== parentNs),
      )
    }
    const key = groupKey(rule.apiVersion, kind)
    groups[key] = [
      ...(groups[key] ?? []),
      ...selected.filter((o) => !(groups[key] ?? []).includes(o)),
    ]
  })
  // A v1 sync hook of a namespaced parent never sees other namespaces or cluster-scoped objects.
  const out: ObjectMap = {}
  for (const [key, list] of Object.entries(groups)) {
    out[key] = {}
    for (const o of list) {
      if (v1Namespaced && (o.metadata.namespace ?? '') !== parentNs) continue
      out[key]![entryKey(o, parent, version)] = o
    }
  }
  return out
}
