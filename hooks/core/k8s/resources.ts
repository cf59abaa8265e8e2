import type { Scope } from '../contract/objects.ts'
import { isValidName, PATH_SEGMENT, SUBDOMAIN } from './names.ts'

/**
 * Built-in kinds that are cluster-scoped. A child type declared without an explicit scope is
 * looked up here and otherwise treated as namespaced; declare `scope` for cluster-scoped CRDs.
 */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'CertificateSigningRequest',
  'CompositeController',
  'DecoratorController',
])

export function defaultScope(kind: string): Scope {
  return CLUSTER_SCOPED.has(kind) ? 'Cluster' : 'Namespaced'
}

/** The scope of a built-in resource named by its plural; namespaced when not a known cluster-scoped one. */
export function scopeOfResource(resource: string): Scope {
  return [...CLUSTER_SCOPED].some((kind) => pluralize(kind) === resource) ? 'Cluster' : 'Namespaced'
}

/** Plurals that do not follow the English rules below. */
const IRREGULAR_PLURALS: Record<string, string> = { endpoints: 'endpoints' }

/** The lowercase plural resource name Kubernetes derives for a kind (`NetworkPolicy` → `networkpolicies`). */
export function pluralize(kind: string): string {
  const lower = kind.toLowerCase()
  if (IRREGULAR_PLURALS[lower]) return IRREGULAR_PLURALS[lower]
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`
  return `${lower}s`
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? '' : apiVersion.slice(0, slash)
}

/** RFC 1123 subdomain: what most object names must be. */
export function isDnsSubdomain(name: string): boolean {
  return isValidName(SUBDOMAIN, name)
}

/** What the API server accepts as any object's name, whatever its kind: a path segment of at most 253 characters (k8s/names.ts has each kind's own rule). */
export function isValidObjectName(name: string): boolean {
  return isValidName(PATH_SEGMENT, name)
}
