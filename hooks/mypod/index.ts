import { defineCompositeController } from 'metahooks'
import { MyPodSpec, ObservedPod } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'mypod',
  parent: {
    group: 'crd.example.com',
    version: 'v1',
    kind: 'MyPod',
    plural: 'mypods',
    singular: 'mypod',
    shortNames: ['mp'],
    scope: 'Namespaced',
    spec: MyPodSpec,
    printerColumns: [
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  },
  // A spec change is a new Pod with a new name (see desiredPod), never an update of an immutable
  // Pod spec: InPlace only puts back what someone changed by hand, under either apply strategy.
  children: [{ apiVersion: 'v1', kind: 'Pod', updateStrategy: 'InPlace', observed: ObservedPod }],
  generateSelector: true,
  hookVersion: 'v2',
  sync,
})
