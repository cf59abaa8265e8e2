import { defineCompositeController } from '../core/define.ts'
import { ObservedPod } from './pods.ts'
import { WorkflowObservedStatus, WorkflowSpec } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'workflow',
  parent: {
    group: 'workflows.metahooks.dev',
    version: 'v1alpha1',
    kind: 'Workflow',
    plural: 'workflows',
    singular: 'workflow',
    shortNames: ['wf'],
    scope: 'Namespaced',
    spec: WorkflowSpec,
    observedStatus: WorkflowObservedStatus,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
    ],
  },
  // Pods are immutable and a claim's spec mostly so: never update, only create and delete.
  children: [
    { apiVersion: 'v1', kind: 'Pod', updateStrategy: 'OnDelete', observed: ObservedPod },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', updateStrategy: 'OnDelete' },
  ],
  generateSelector: true,
  // Retry backoff and suspend durations are in seconds.
  clock: 'second',
  sync,
})
