import type { ControllerDefinition } from '../define.ts'
import { apiGroup } from '../k8s/resources.ts'

export interface PolicyRule {
  apiGroups: string[]
  resources: string[]
  /** Only these objects (for `bind` on the roles binding children name). */
  resourceNames?: string[]
  verbs: string[]
}

const READ = ['get', 'list', 'watch']
const WRITE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
const PARENT = ['get', 'list', 'patch', 'update', 'watch']
const UPDATE = ['patch', 'update']

/** What Metacontroller itself needs whatever the controllers (discovery, its own CRDs, events, leader election). */
const METACONTROLLER_BASE: PolicyRule[] = [
  {
    apiGroups: ['metacontroller.k8s.io'],
    resources: ['compositecontrollers', 'decoratorcontrollers'],
    verbs: READ,
  },
  {
    apiGroups: ['metacontroller.k8s.io'],
    resources: ['compositecontrollers/status', 'decoratorcontrollers/status'],
    verbs: UPDATE,
  },
  { apiGroups: ['metacontroller.k8s.io'], resources: ['controllerrevisions'], verbs: WRITE },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] },
  // Reading a webhook's authorization / basicAuth / clientTLS / caBundle material.
  { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get'] },
]

/**
 * The least-privilege rules Metacontroller needs to run these controllers, replacing its default
 * `*` on `*`: parents (and their status and finalizers), children with full write, decorated
 * objects, related types read-only. Rules with the same group and verbs are merged; the output
 * is sorted, so it is deterministic.
 */
export function metacontrollerRules(definitions: readonly ControllerDefinition[]): PolicyRule[] {
  const grants = new Map<string, Set<string>>()
  const bindable = { clusterroles: new Set<string>(), roles: new Set<string>() }
  const grant = (group: string, resource: string, verbs: readonly string[]) => {
    const key = `${group}\u0000${resource}`
    const set = grants.get(key) ?? new Set<string>()
    for (const v of verbs) set.add(v)
    grants.set(key, set)
  }
  for (const d of definitions) {
    const parents =
      d.type === 'composite'
        ? [{ group: d.parent.group, resource: d.parent.plural }]
        : d.resources.map((r) => ({ group: apiGroup(r.apiVersion), resource: r.resource }))
    for (const p of parents) {
      grant(p.group, p.resource, PARENT)
      grant(p.group, `${p.resource}/status`, UPDATE)
      grant(p.group, `${p.resource}/finalizers`, UPDATE)
    }
    for (const c of d.type === 'composite' ? d.children : d.attachments) {
      grant(apiGroup(c.apiVersion), c.resource, WRITE)
      for (const name of c.binds?.clusterRoles ?? []) bindable.clusterroles.add(name)
      for (const name of c.binds?.roles ?? []) bindable.roles.add(name)
    }
    for (const r of d.related) grant(apiGroup(r.apiVersion), r.resource, READ)
    if (d.related.length > 0) grant('', 'namespaces', READ)
  }
  // Merge resources of one group that ended up with identical verbs.
  const merged = new Map<string, PolicyRule>()
  for (const [key, verbs] of [...grants.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [group, resource] = key.split('\u0000') as [string, string]
    const sortedVerbs = [...verbs].sort()
    const mergeKey = `${group}\u0000${sortedVerbs.join(',')}`
    const rule = merged.get(mergeKey) ?? { apiGroups: [group], resources: [], verbs: sortedVerbs }
    rule.resources.push(resource)
    merged.set(mergeKey, rule)
  }
  // Creating a RoleBinding needs `bind` on the role it names (unless one holds every permission in it).
  const binds = (['clusterroles', 'roles'] as const)
    .filter((resource) => bindable[resource].size > 0)
    .map(
      (resource): PolicyRule => ({
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: [resource],
        resourceNames: [...bindable[resource]].sort(),
        verbs: ['bind'],
      }),
    )
  return [...METACONTROLLER_BASE, ...merged.values(), ...binds]
}
