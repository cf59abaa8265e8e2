import { defineCompositeController } from 'metahooks'
import { ObservedPod } from './pods.ts'
import { WorkflowSpec } from './schema.ts'
import { WorkflowObservedStatus } from './status-schema.ts'
import { customize, sync } from './sync.ts'
import * as z from 'zod'
import { ObservedConfigMap } from './configmaps.ts'
import {
  CLUSTER_WORKFLOW_TEMPLATE,
  GROUP_VERSION,
  ObservedWorkflowTemplate,
  WORKFLOW_TEMPLATE,
} from './template-refs.ts'

/** What a workflow reads of another that may wait for the same lock. */
const ObservedLockContender = z.looseObject({
  spec: z.looseObject({}).optional(),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
})

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
    // Lock slots (synchronization): a slot's name is the lock, so the API server lets one workflow hold it.
    { apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'OnDelete' },
  ],
  generateSelector: true,
  // WorkflowTemplates and ClusterWorkflowTemplates (same spec shape as a Workflow's) for templateRef
  // and workflowTemplateRef, and the ConfigMaps parameters read (valueFrom.configMapKeyRef).
  customResources: [
    {
      group: 'workflows.metahooks.dev',
      version: 'v1alpha1',
      kind: WORKFLOW_TEMPLATE,
      plural: 'workflowtemplates',
      singular: 'workflowtemplate',
      shortNames: ['wftmpl'],
      scope: 'Namespaced',
      spec: WorkflowSpec,
    },
    {
      group: 'workflows.metahooks.dev',
      version: 'v1alpha1',
      kind: CLUSTER_WORKFLOW_TEMPLATE,
      plural: 'clusterworkflowtemplates',
      singular: 'clusterworkflowtemplate',
      shortNames: ['cwftmpl'],
      scope: 'Cluster',
      spec: WorkflowSpec,
    },
  ],
  related: [
    {
      apiVersion: GROUP_VERSION,
      resource: 'workflowtemplates',
      kind: WORKFLOW_TEMPLATE,
      observed: ObservedWorkflowTemplate,
    },
    {
      apiVersion: GROUP_VERSION,
      resource: 'clusterworkflowtemplates',
      kind: CLUSTER_WORKFLOW_TEMPLATE,
      scope: 'Cluster',
      observed: ObservedWorkflowTemplate,
    },
    { apiVersion: 'v1', resource: 'configmaps', kind: 'ConfigMap', observed: ObservedConfigMap },
    // The namespace's Workflows, for a workflow that waits for a lock (synchronization).
    {
      apiVersion: GROUP_VERSION,
      resource: 'workflows',
      kind: 'Workflow',
      observed: ObservedLockContender,
    },
  ],
  customize,
  // Retry backoff and suspend durations are in seconds.
  clock: 'second',
  sync,
})
