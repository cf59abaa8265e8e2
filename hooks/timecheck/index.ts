import { defineCompositeController, ObservedWorkload } from 'metahooks'
import { TimeCheckSpec } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'timecheck',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'TimeCheck',
    plural: 'timechecks',
    singular: 'timecheck',
    shortNames: ['tc'],
    scope: 'Namespaced',
    labels: { kiamol: 'ch20' },
    spec: TimeCheckSpec,
    printerColumns: [
      { name: 'Environment', type: 'string', jsonPath: '.spec.environment' },
      { name: 'Interval', type: 'integer', jsonPath: '.spec.interval' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    ],
  },
  // InPlace: unlike the book's controller, spec edits reach the Deployment.
  children: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      updateStrategy: 'InPlace',
      observed: ObservedWorkload,
    },
  ],
  generateSelector: true,
  sync,
})
