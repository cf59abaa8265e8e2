import { defineCompositeController, ObservedSecret, ObservedWorkload } from 'metahooks'
import { MysqlClusterSpec } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'mysqlcluster',
  parent: {
    group: 'mysql.metahooks.dev',
    version: 'v1',
    kind: 'MysqlCluster',
    plural: 'mysqlclusters',
    singular: 'mysqlcluster',
    shortNames: ['mysql'],
    scope: 'Namespaced',
    spec: MysqlClusterSpec,
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  children: [
    { apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      updateStrategy: 'InPlace',
      observed: ObservedWorkload,
    },
    { apiVersion: 'v1', kind: 'Service', updateStrategy: 'InPlace' },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', updateStrategy: 'InPlace' },
    { apiVersion: 'batch/v1', kind: 'CronJob', updateStrategy: 'InPlace' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', updateStrategy: 'OnDelete' },
  ],
  generateSelector: true,
  related: [{ apiVersion: 'v1', resource: 'secrets', kind: 'Secret', observed: ObservedSecret }],
  customize,
  sync,
})
