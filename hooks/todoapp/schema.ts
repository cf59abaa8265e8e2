import * as z from 'zod'

/** TodoApp (ch20.kiamol.net/v1): the notes' whole to-do application, composed from our own controllers. */
export const TodoAppSpec = z.object({
  web: z.object({ replicas: z.number().int().min(0).max(20).default(1) }).prefault({}),
  saveHandler: z.object({ replicas: z.number().int().min(0).max(20).default(1) }).prefault({}),
  servicePort: z.number().int().min(1).max(65535).default(8020),
  serviceType: z.enum(['ClusterIP', 'LoadBalancer', 'NodePort']).default('LoadBalancer'),
  db: z
    .object({
      replicas: z.number().int().min(1).max(9).default(2),
      mysqlVersion: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .default('5.7.24'),
      storage: z
        .string()
        .regex(/^[0-9]+(Mi|Gi|Ti)$/)
        .default('1Gi'),
      dataPolicy: z
        .enum(['Retain', 'Delete'])
        .default('Retain')
        .describe('What happens to the database volumes when the app is deleted.'),
    })
    .prefault({}),
  queue: z
    .object({
      size: z.number().int().min(1).max(15).default(3),
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .default('1.3.0'),
    })
    .prefault({}),
})
export type TodoAppSpec = z.output<typeof TodoAppSpec>
