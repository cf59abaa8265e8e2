import * as z from 'zod'
import { defineCompositeController, ObservedJob } from 'metahooks'
import { WebPingerArchiveSpec } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'webpingerarchive',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'WebPingerArchive',
    plural: 'webpingerarchives',
    singular: 'webpingerarchive',
    shortNames: ['wpa'],
    scope: 'Namespaced',
    labels: { kiamol: 'ch20', operator: 'web-ping' },
    spec: WebPingerArchiveSpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.target' },
      { name: 'Job', type: 'string', jsonPath: '.status.job' },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
    ],
  },
  // Jobs are immutable: OnDelete, so a spec edit never tries to update one.
  children: [
    { apiVersion: 'batch/v1', kind: 'Job', updateStrategy: 'OnDelete', observed: ObservedJob },
  ],
  generateSelector: true,
  // Only the Service's name is read (the toolkit guarantees every object has one).
  related: [
    { apiVersion: 'v1', resource: 'services', kind: 'Service', observed: z.looseObject({}) },
  ],
  customize,
  sync,
})
