import { defineDecoratorController } from 'metahooks'
import { ENABLED_ANNOTATION, GuardedDeployment } from './schema.ts'
import { finalize, sync } from './sync.ts'

export default defineDecoratorController({
  name: 'guardrails',
  // Only opted-in Deployments; when the annotation goes, Metacontroller calls finalize.
  resources: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      annotationSelector: { matchAnnotations: { [ENABLED_ANNOTATION]: 'true' } },
    },
  ],
  attachments: [
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', updateStrategy: 'InPlace' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', updateStrategy: 'InPlace' },
  ],
  objectSchema: GuardedDeployment,
  hookVersion: 'v2',
  sync,
  finalize,
})
