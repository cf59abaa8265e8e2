import { defineDecoratorController } from 'metahooks'
import { NamespaceObject, RelatedSource } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineDecoratorController({
  name: 'propagate',
  resources: [{ apiVersion: 'v1', kind: 'Namespace' }],
  attachments: [
    { apiVersion: 'v1', kind: 'Secret', updateStrategy: 'InPlace' },
    { apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' },
  ],
  objectSchema: NamespaceObject,
  hookVersion: 'v2',
  related: [
    { apiVersion: 'v1', resource: 'secrets', kind: 'Secret', observed: RelatedSource },
    { apiVersion: 'v1', resource: 'configmaps', kind: 'ConfigMap', observed: RelatedSource },
  ],
  customize,
  sync,
})
