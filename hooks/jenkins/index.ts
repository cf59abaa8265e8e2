import { defineCompositeController } from 'metahooks'
import { JenkinsSpec, ObservedStatefulSet } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'jenkins',
  parent: {
    group: 'ci.metahooks.dev',
    version: 'v1',
    kind: 'Jenkins',
    plural: 'jenkinses',
    singular: 'jenkins',
    shortNames: ['jk'],
    scope: 'Namespaced',
    spec: JenkinsSpec,
    printerColumns: [
      { name: 'Project', type: 'string', jsonPath: '.spec.project' },
      { name: 'Data', type: 'string', jsonPath: '.spec.dataPolicy' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'URL', type: 'string', jsonPath: '.status.url', priority: 1 },
    ],
  },
  children: [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      updateStrategy: 'InPlace',
      observed: ObservedStatefulSet,
    },
    { apiVersion: 'v1', kind: 'Service', updateStrategy: 'InPlace' },
  ],
  generateSelector: true,
  sync,
})
