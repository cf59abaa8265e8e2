import { defineCompositeController, ObservedSecret, ObservedWorkload } from 'metahooks'
import { TodoAppSpec } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'todoapp',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'TodoApp',
    plural: 'todoapps',
    singular: 'todoapp',
    scope: 'Namespaced',
    labels: { kiamol: 'ch20' },
    spec: TodoAppSpec,
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      {
        name: 'Waiting',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  // Our own kinds as children: the NatsCluster and MysqlCluster controllers do the rest.
  children: [
    // InPlace: the database Secret always carries the password it already holds, so only the
    // connection-string Secret changes when someone rotates it.
    { apiVersion: 'v1', kind: 'Secret', updateStrategy: 'InPlace', observed: ObservedSecret },
    { apiVersion: 'mysql.metahooks.dev/v1', kind: 'MysqlCluster', updateStrategy: 'InPlace' },
    { apiVersion: 'nats.metahooks.dev/v1', kind: 'NatsCluster', updateStrategy: 'InPlace' },
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
})
