import { defineDecoratorController } from 'metahooks'
import { LABEL_ANNOTATION, PORTS_ANNOTATION, ServicePerPodObject } from './schema.ts'
import { finalize, sync } from './sync.ts'

export default defineDecoratorController({
  name: 'service-per-pod',
  resources: [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      annotationSelector: {
        matchExpressions: [
          { key: LABEL_ANNOTATION, operator: 'Exists' },
          { key: PORTS_ANNOTATION, operator: 'Exists' },
        ],
      },
    },
  ],
  attachments: [{ apiVersion: 'v1', kind: 'Service', updateStrategy: 'InPlace' }],
  objectSchema: ServicePerPodObject,
  hookVersion: 'v2',
  sync,
  finalize,
})
