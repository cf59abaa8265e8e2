import * as z from 'zod'
import { defineCompositeController } from 'metahooks'
import { GROUP_VERSION } from '../workflow/template-refs.ts'
import { CronWorkflowSpec } from './schema.ts'
import { sync } from './sync.ts'

/** What the hook reads of its Workflows: their scheduled time (an annotation) and phase. */
const ObservedWorkflow = z.looseObject({
  status: z.looseObject({ phase: z.string().optional() }).optional(),
})

export default defineCompositeController({
  name: 'cronworkflow',
  parent: {
    group: 'workflows.metahooks.dev',
    version: 'v1alpha1',
    kind: 'CronWorkflow',
    plural: 'cronworkflows',
    singular: 'cronworkflow',
    shortNames: ['cwf', 'cronwf'],
    scope: 'Namespaced',
    spec: CronWorkflowSpec,
    printerColumns: [
      { name: 'Schedules', type: 'string', jsonPath: '.spec.schedules' },
      { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Last', type: 'date', jsonPath: '.status.lastScheduledTime' },
      { name: 'Next', type: 'string', jsonPath: '.status.nextScheduledTime' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  // A run is never changed once started (a spec edit applies to the next tick), only deleted.
  children: [
    {
      apiVersion: GROUP_VERSION,
      kind: 'Workflow',
      updateStrategy: 'OnDelete',
      observed: ObservedWorkflow,
    },
  ],
  generateSelector: true,
  // Ticks are whole minutes; the clock is read once per call, in seconds.
  clock: 'second',
  sync,
})
