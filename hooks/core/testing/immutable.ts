import type { KObject } from '../contract/objects.ts'
import { deepEqual } from './cluster.ts'

/**
 * The fields the API server refuses to change on an existing object, for the kinds the catalogue
 * makes (a selection: enough that the simulator fails where a real cluster would). An update that
 * changes one is answered 422 Invalid, which Metacontroller treats as transient and retries forever.
 */
type Rule = (before: Record<string, any>, after: Record<string, any>) => string | undefined

const changed = (path: string, a: unknown, b: unknown) =>
  deepEqual(a, b) ? undefined : `${path}: field is immutable`

/** A Pod's spec may change only its containers' images (and a few scheduling fields this never touches). */
function podSpecWithoutImages(spec: Record<string, any> | undefined): unknown {
  if (!spec) return spec
  const strip = (cs: unknown) =>
    Array.isArray(cs) ? cs.map(({ image: _image, ...rest }) => rest) : cs
  const { activeDeadlineSeconds: _a, tolerations: _t, ...rest } = spec
  return { ...rest, containers: strip(spec.containers), initContainers: strip(spec.initContainers) }
}

function claimSpecWithoutRequests(spec: Record<string, any> | undefined): unknown {
  if (!spec) return spec
  const { resources: _r, volumeName: _v, ...rest } = spec
  return rest
}

const RULES: Record<string, Rule> = {
  'Pod.v1': (a, b) =>
    deepEqual(podSpecWithoutImages(a.spec), podSpecWithoutImages(b.spec))
      ? undefined
      : 'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations`',
  'Job.batch/v1': (a, b) =>
    changed('spec.template', a.spec?.template, b.spec?.template) ??
    changed('spec.selector', a.spec?.selector, b.spec?.selector),
  'StatefulSet.apps/v1': (a, b) =>
    changed('spec.selector', a.spec?.selector, b.spec?.selector) ??
    changed(
      'spec.volumeClaimTemplates',
      a.spec?.volumeClaimTemplates,
      b.spec?.volumeClaimTemplates,
    ) ??
    changed('spec.serviceName', a.spec?.serviceName, b.spec?.serviceName) ??
    changed('spec.podManagementPolicy', a.spec?.podManagementPolicy, b.spec?.podManagementPolicy),
  'Deployment.apps/v1': (a, b) => changed('spec.selector', a.spec?.selector, b.spec?.selector),
  'RoleBinding.rbac.authorization.k8s.io/v1': (a, b) => changed('roleRef', a.roleRef, b.roleRef),
  'ClusterRoleBinding.rbac.authorization.k8s.io/v1': (a, b) =>
    changed('roleRef', a.roleRef, b.roleRef),
  // A claim's spec is fixed once made, but for a larger storage request (expansion).
  'PersistentVolumeClaim.v1': (a, b) =>
    changed('spec', claimSpecWithoutRequests(a.spec), claimSpecWithoutRequests(b.spec)),
  'Service.v1': (a, b) =>
    a.spec?.clusterIP === undefined
      ? undefined
      : changed('spec.clusterIP', a.spec?.clusterIP, b.spec?.clusterIP),
}

/** Why the API server would refuse to change `before` into `after` (its message), or undefined. */
export function immutableChange(before: KObject, after: KObject): string | undefined {
  const rule = RULES[`${before.kind}.${before.apiVersion}`]
  const problem = rule?.(before as Record<string, any>, after as Record<string, any>)
  return problem && `${before.kind} "${before.metadata.name}" is invalid: ${problem}`
}
