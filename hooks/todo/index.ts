import { defineCompositeController } from 'metahooks'
import { ToDoSpec } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: 'todo',
  parent: {
    group: 'ch20.kiamol.net',
    version: 'v1',
    kind: 'ToDo',
    plural: 'todos',
    singular: 'todo',
    shortNames: ['td'],
    scope: 'Namespaced',
    labels: { kiamol: 'ch20' },
    spec: ToDoSpec,
    printerColumns: [
      { name: 'Item', type: 'string', jsonPath: '.spec.item', description: 'What to do' },
      { name: 'Due', type: 'string', jsonPath: '.spec.dueDate', description: 'When to do it' },
      { name: 'State', type: 'string', jsonPath: '.status.state', priority: 1 },
    ],
  },
  children: [],
  generateSelector: true,
  clock: true,
  sync,
})
