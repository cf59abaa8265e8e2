import * as z from 'zod'
import { containerResources, dnsLabel, positiveQuantity, quantity } from 'metahooks'

/** MysqlCluster (mysql.metahooks.dev/v1): a MySQL primary with replicas, like the Presslabs operator's. */
export const MysqlClusterSpec = z.object({
  replicas: z
    .number()
    .int()
    .min(1)
    .max(9)
    .default(1)
    .describe('Members: ordinal 0 is the primary, the rest replicate from it.'),
  mysqlVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, { message: 'must be a version such as 5.7.24' })
    .default('5.7.24')
    .describe('Percona Server version (image percona:<version>).'),
  secretName: dnsLabel(253).describe(
    'Secret in this namespace with ROOT_PASSWORD (and optionally USER, PASSWORD, DATABASE).',
  ),
  resources: containerResources().optional(),
  storage: positiveQuantity().default('1Gi').describe('Data volume size per member.'),
  dataPolicy: z
    .enum(['Retain', 'Delete'])
    .default('Delete')
    .describe('What happens to the data volumes when the cluster is deleted.'),
  backupSchedule: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, {
      message: 'must be a cron schedule with five fields, e.g. "0 3 * * *"',
    })
    .optional()
    .describe('Cron schedule for mysqldump backups to a volume.'),
  backupStorage: positiveQuantity().default('5Gi'),
})
export type MysqlClusterSpec = z.output<typeof MysqlClusterSpec>
