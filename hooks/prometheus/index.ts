import { defineCompositeController, ObservedWorkload } from 'metahooks'
import { ObservedService, PrometheusSpec } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'prometheus',
  parent: {
    group: 'monitoring.metahooks.dev',
    version: 'v1',
    kind: 'Prometheus',
    plural: 'prometheuses',
    singular: 'prometheus',
    shortNames: ['prom'],
    scope: 'Namespaced',
    spec: PrometheusSpec,
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Targets', type: 'string', jsonPath: '.status.targets', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  children: [
    { apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      updateStrategy: 'InPlace',
      observed: ObservedWorkload,
    },
    { apiVersion: 'v1', kind: 'Service', updateStrategy: 'InPlace' },
  ],
  generateSelector: true,
  // v2: a namespaced Prometheus may relate Services in other namespaces.
  hookVersion: 'v2',
  related: [
    {
      apiVersion: 'v1',
      resource: 'services',
      kind: 'Service',
      observed: ObservedService,
      namespaceSelector: true,
    },
  ],
  customize,
  sync,
})
