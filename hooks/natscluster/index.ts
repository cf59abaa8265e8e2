import { defineCompositeController } from 'metahooks'
import { NatsClusterSpec, ObservedStatefulSet } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'natscluster',
  parent: {
    group: 'nats.metahooks.dev',
    version: 'v1',
    kind: 'NatsCluster',
    plural: 'natsclusters',
    singular: 'natscluster',
    shortNames: ['nats'],
    scope: 'Namespaced',
    spec: NatsClusterSpec,
    printerColumns: [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.size' },
      { name: 'Version', type: 'string', jsonPath: '.status.currentVersion' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  // A StatefulSet, not bare Pods with RollingRecreate: Kubernetes' own controller already rolls
  // one member at a time gated on readiness, scales down from the highest ordinal and keeps stable
  // names — see docs/controllers.md for the trade-off.
  children: [
    { apiVersion: 'v1', kind: 'Secret', updateStrategy: 'InPlace' },
    { apiVersion: 'v1', kind: 'Service', updateStrategy: 'InPlace' },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      updateStrategy: 'InPlace',
      observed: ObservedStatefulSet,
    },
  ],
  generateSelector: true,
  sync,
})
