import * as z from 'zod'
import { defineCompositeController, ObservedSecret } from 'metahooks'
import { UserSpec } from './schema.ts'
import { customize, sync } from './sync.ts'

export default defineCompositeController({
  name: 'user',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'User',
    plural: 'users',
    singular: 'user',
    // Cluster-scoped (the book's was namespaced): a namespaced parent cannot own objects in the
    // group namespaces Metacontroller creates them in.
    scope: 'Cluster',
    labels: { kiamol: 'ch20' },
    spec: UserSpec,
    printerColumns: [
      { name: 'Email', type: 'string', jsonPath: '.spec.email' },
      { name: 'Group', type: 'string', jsonPath: '.spec.group' },
    ],
  },
  // OnDelete: the token Secret's data is filled in by Kubernetes and must not be fought over.
  children: [
    { apiVersion: 'v1', kind: 'ServiceAccount' },
    { apiVersion: 'v1', kind: 'Secret', observed: ObservedSecret },
  ],
  generateSelector: true,
  related: [
    {
      apiVersion: 'v1',
      resource: 'namespaces',
      kind: 'Namespace',
      observed: z.looseObject({
        status: z.looseObject({ phase: z.string().optional() }).optional(),
      }),
    },
  ],
  customize,
  sync,
})
