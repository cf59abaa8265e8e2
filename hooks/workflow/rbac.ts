import { parse } from 'yaml'
import type { KObject } from 'metahooks'
import type { Template, WorkflowSpec } from './schema.ts'

/**
 * The least privilege a workflow's resource templates need: kubectl runs in their Pods under the
 * workflow's (or the template's) service account, and nothing else the executor does calls the
 * API server. One Role and RoleBinding per service account, with the verbs each action uses on
 * each kind its manifests name. Kinds become resources the way the API server names most of them
 * (Job → jobs, NetworkPolicy → networkpolicies); `kubectl api-resources` has the exceptions.
 */

/** The verbs kubectl uses for an action (and `get` to poll conditions and read outputs). */
function verbsOf(t: Template): string[] {
  const r = t.resource!
  const reads =
    r.successCondition !== undefined ||
    r.failureCondition !== undefined ||
    (t.outputs?.parameters ?? []).some((p) => p.valueFrom?.jsonPath !== undefined)
  const verbs: Record<typeof r.action, string[]> = {
    get: ['get'],
    create: ['create'],
    apply: ['get', 'create', 'patch'],
    replace: ['update'],
    patch: ['get', 'patch'],
    // kubectl delete waits until the object is gone, watching it.
    delete: ['delete', 'get', 'list', 'watch'],
  }
  return [...new Set([...verbs[r.action], ...(reads ? ['get'] : [])])]
}

/** A kind's resource name, as the API server names most kinds. */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase()
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`
  return `${k}s`
}

/** The group and resource a resource template acts on, or why it cannot be told without running it. */
function targetOf(t: Template): { group: string; resource: string } | string {
  const r = t.resource!
  if (r.action === 'patch' && r.mergeStrategy === 'json') {
    const [kind] = r.flags ?? []
    if (!kind || kind.includes('{{')) return 'a json patch names its object in flags'
    const [resource, ...group] = kind.split('/')[0]!.split('.')
    return {
      group: group.join('.'),
      resource: resource!.endsWith('s') ? resource! : resourceOf(resource!),
    }
  }
  if (r.manifestFrom)
    return 'its manifest comes from an artifact (write the Role for its kind by hand)'
  let object: { apiVersion?: unknown; kind?: unknown }
  try {
    object = parse(r.manifest ?? '') as typeof object
  } catch {
    return 'its manifest is not YAML'
  }
  const { apiVersion, kind } = object ?? {}
  if (
    typeof apiVersion !== 'string' ||
    typeof kind !== 'string' ||
    apiVersion.includes('{{') ||
    kind.includes('{{')
  )
    return "its manifest's apiVersion and kind are not written out"
  return {
    group: apiVersion.includes('/') ? apiVersion.split('/')[0]! : '',
    resource: resourceOf(kind),
  }
}

export type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] }

/** A Role's rules from verbs by group and resource, in a stable order. */
function rulesOf(byTarget: Map<string, Set<string>>): Rule[] {
  return [...byTarget]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, verbs]) => {
      const [group, resource] = key.split('\u0000') as [string, string]
      return { apiGroups: [group], resources: [resource], verbs: [...verbs].sort() }
    })
}

/** Two Roles' rules as one (the verbs of the same group and resource together). */
export function unionRules(a: readonly Rule[], b: readonly Rule[]): Rule[] {
  const verbs = new Map<string, Set<string>>()
  for (const r of [...a, ...b]) {
    const key = `${r.apiGroups[0]}\u0000${r.resources[0]}`
    verbs.set(key, new Set([...(verbs.get(key) ?? []), ...r.verbs]))
  }
  return rulesOf(verbs)
}

export interface ExecutorRbac {
  objects: KObject[]
  /** Templates whose target could not be worked out (named, with why). */
  skipped: string[]
}

/** ServiceAccount, Role and RoleBinding per service account the resource templates run under. */
export function executorRbac(
  spec: WorkflowSpec,
  namespace: string,
  fallbackAccount?: string,
): ExecutorRbac {
  const rules = new Map<string, Map<string, Set<string>>>()
  const skipped: string[] = []
  for (const t of spec.templates) {
    if (!t.resource) continue
    const account = t.serviceAccountName ?? spec.serviceAccountName ?? fallbackAccount
    if (!account) {
      skipped.push(
        `template ${t.name}: runs as the namespace's default service account; set spec.serviceAccountName (or pass one) rather than granting it to every Pod`,
      )
      continue
    }
    const target = targetOf(t)
    if (typeof target === 'string') {
      skipped.push(`template ${t.name}: ${target}`)
      continue
    }
    const byTarget = rules.get(account) ?? new Map<string, Set<string>>()
    rules.set(account, byTarget)
    const key = `${target.group}\u0000${target.resource}`
    const verbs = byTarget.get(key) ?? new Set<string>()
    for (const v of verbsOf(t)) verbs.add(v)
    byTarget.set(key, verbs)
  }
  const objects: KObject[] = []
  for (const [account, byTarget] of [...rules].sort(([a], [b]) => a.localeCompare(b))) {
    const meta = { name: account, namespace }
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta })
    const roleRules = rulesOf(byTarget)
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: roleRules,
    } as KObject)
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    } as KObject)
  }
  return { objects, skipped }
}
