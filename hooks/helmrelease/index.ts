import { defineCompositeController, ObservedJob } from 'metahooks'
import { HELM_CLUSTER_ROLE, HelmReleaseSpec } from './schema.ts'
import { finalize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'helmrelease',
  parent: {
    group: 'helm.metahooks.dev',
    version: 'v1',
    kind: 'HelmRelease',
    plural: 'helmreleases',
    singular: 'helmrelease',
    shortNames: ['hr'],
    scope: 'Namespaced',
    spec: HelmReleaseSpec,
    printerColumns: [
      { name: 'Chart', type: 'string', jsonPath: '.status.chart' },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  children: [
    { apiVersion: 'v1', kind: 'ServiceAccount', updateStrategy: 'InPlace' },
    // helm runs as a ServiceAccount bound to the built-in admin ClusterRole of its namespace.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      updateStrategy: 'OnDelete',
      binds: { clusterRoles: [HELM_CLUSTER_ROLE] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' },
    // Jobs are immutable; a new spec gets a new Job (its name carries a hash of the spec).
    { apiVersion: 'batch/v1', kind: 'Job', updateStrategy: 'OnDelete', observed: ObservedJob },
  ],
  generateSelector: true,
  sync,
  finalize,
})
