import { defineCompositeController, ObservedWorkload } from 'metahooks'
import { WebPingerSpec } from './schema.ts'
import { finalize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'webpinger',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'WebPinger',
    plural: 'webpingers',
    singular: 'webpinger',
    shortNames: ['wp'],
    scope: 'Namespaced',
    labels: { kiamol: 'ch20', operator: 'web-ping' },
    spec: WebPingerSpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.target' },
      { name: 'Interval', type: 'string', jsonPath: '.spec.interval' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
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
  sync,
  finalize,
})
