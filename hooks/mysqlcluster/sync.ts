import type { StatefulSet } from 'kubernetes-types/apps/v1'
import type { CronJob } from 'kubernetes-types/batch/v1'
import type { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-types/core/v1'
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1'
import {
  childName,
  condition,
  deploymentReady,
  labelValueOf,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type Parent,
  type RelatedResourceRule,
} from 'metahooks'
import type { MysqlClusterSpec } from './schema.ts'

type P = Parent<MysqlClusterSpec>

const STATEFUL_SET = { apiVersion: 'apps/v1', kind: 'StatefulSet' }
const SERVICE = { apiVersion: 'v1', kind: 'Service' }

/** The children's names: `<name>-mysql…`, shortened to fit each kind when the parent's name is long. */
export const names = (parent: { metadata: { name: string } }) => {
  const n = parent.metadata.name
  return {
    statefulSet: childName(STATEFUL_SET, n, 'mysql'),
    headless: childName(SERVICE, n, 'mysql'),
    master: childName(SERVICE, n, 'mysql-master'),
    replicas: childName(SERVICE, n, 'mysql-replicas'),
    config: childName({ apiVersion: 'v1', kind: 'ConfigMap' }, n, 'mysql'),
    pdb: childName({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }, n, 'mysql'),
    backupClaim: childName({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, n, 'mysql-backups'),
    backup: childName({ apiVersion: 'batch/v1', kind: 'CronJob' }, n, 'mysql-backup'),
  }
}
const instance = (parent: P) => labelValueOf(parent.metadata.name)
const labels = (parent: P) => ({
  'app.kubernetes.io/name': 'mysql',
  'app.kubernetes.io/instance': instance(parent),
  'app.kubernetes.io/component': 'database',
  'app.kubernetes.io/managed-by': 'metahooks',
  'mysql.metahooks.dev/cluster': instance(parent),
})
const selector = (parent: P) => ({
  'app.kubernetes.io/instance': instance(parent),
  'mysql.metahooks.dev/cluster': instance(parent),
})

/** The user's Secret, by name: its ROOT_PASSWORD must exist before anything is created. */
export function customize({
  parent,
  spec,
}: CustomizeContext<MysqlClusterSpec>): RelatedResourceRule[] {
  return [
    {
      apiVersion: 'v1',
      resource: 'secrets',
      namespace: parent.metadata.namespace!,
      names: [spec.secretName],
    },
  ]
}

/**
 * my.cnf for every member (GTID replication; the server id comes from the ordinal) and the
 * start-up script: ordinal 0 is the primary, the others replicate from it.
 */
function configMap(parent: P): ConfigMap & KObject {
  const { statefulSet, headless, config } = names(parent)
  const primary = `${statefulSet}-0.${headless}`
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: config, labels: labels(parent) },
    data: {
      'my.cnf': [
        '[mysqld]',
        'gtid_mode = ON',
        'enforce_gtid_consistency = ON',
        'log_bin = mysql-bin',
        'log_slave_updates = ON',
        'skip_name_resolve = ON',
        '',
      ].join('\n'),
      'init-replication.sh': [
        '#!/bin/sh',
        'set -e',
        'ordinal=${HOSTNAME##*-}',
        'echo "[mysqld]" > /etc/mysql/conf.d/server-id.cnf',
        'echo "server_id = $((100 + ordinal))" >> /etc/mysql/conf.d/server-id.cnf',
        'if [ "$ordinal" != "0" ]; then echo "read_only = ON" >> /etc/mysql/conf.d/server-id.cnf; fi',
        `echo "CHANGE MASTER TO MASTER_HOST='${primary}', MASTER_USER='root', MASTER_PASSWORD='$MYSQL_ROOT_PASSWORD', MASTER_AUTO_POSITION=1; START SLAVE;" > /docker-entrypoint-initdb.d/replication.sql.tmp`,
        'if [ "$ordinal" != "0" ]; then mv /docker-entrypoint-initdb.d/replication.sql.tmp /docker-entrypoint-initdb.d/replication.sql; else rm /docker-entrypoint-initdb.d/replication.sql.tmp; fi',
        '',
      ].join('\n'),
    },
  }
}

function statefulSet(parent: P, spec: MysqlClusterSpec): StatefulSet & KObject {
  const { statefulSet: name, headless, config } = names(parent)
  const rootPassword = {
    name: 'MYSQL_ROOT_PASSWORD',
    valueFrom: { secretKeyRef: { name: spec.secretName, key: 'ROOT_PASSWORD' } },
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, labels: labels(parent) },
    spec: {
      replicas: spec.replicas,
      serviceName: headless,
      selector: { matchLabels: selector(parent) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: spec.dataPolicy, whenScaled: 'Retain' },
      template: {
        metadata: { labels: { ...labels(parent), 'app.kubernetes.io/version': spec.mysqlVersion } },
        spec: {
          automountServiceAccountToken: false,
          initContainers: [
            {
              name: 'init-replication',
              image: `percona:${spec.mysqlVersion}`,
              command: ['sh', '/config/init-replication.sh'],
              env: [rootPassword],
              volumeMounts: [
                { name: 'config', mountPath: '/config' },
                { name: 'conf-d', mountPath: '/etc/mysql/conf.d' },
                { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d' },
              ],
            },
          ],
          containers: [
            {
              name: 'mysql',
              image: `percona:${spec.mysqlVersion}`,
              env: [
                rootPassword,
                {
                  name: 'MYSQL_DATABASE',
                  valueFrom: {
                    secretKeyRef: { name: spec.secretName, key: 'DATABASE', optional: true },
                  },
                },
                {
                  name: 'MYSQL_USER',
                  valueFrom: {
                    secretKeyRef: { name: spec.secretName, key: 'USER', optional: true },
                  },
                },
                {
                  name: 'MYSQL_PASSWORD',
                  valueFrom: {
                    secretKeyRef: { name: spec.secretName, key: 'PASSWORD', optional: true },
                  },
                },
              ],
              ports: [{ name: 'mysql', containerPort: 3306 }],
              readinessProbe: {
                exec: { command: ['sh', '-c', 'mysqladmin ping -uroot -p"$MYSQL_ROOT_PASSWORD"'] },
                periodSeconds: 5,
              },
              ...(spec.resources && { resources: spec.resources }),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/mysql' },
                { name: 'conf-d', mountPath: '/etc/mysql/conf.d' },
                {
                  name: 'config',
                  mountPath: '/etc/mysql/conf.d/replication.cnf',
                  subPath: 'my.cnf',
                },
                { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config } },
            { name: 'conf-d', emptyDir: {} },
            { name: 'initdb', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: selector(parent) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: spec.storage } },
          },
        },
      ],
    },
  }
}

/**
 * Three Services as the notes show: `-master` reaches ordinal 0 (the label Kubernetes puts on each
 * StatefulSet Pod); `-replicas` and the headless governing Service reach every member (the primary
 * also serves reads: telling replicas apart by label would need something to label Pods by role).
 */
function services(parent: P): (Service & KObject)[] {
  const { statefulSet, headless, master, replicas } = names(parent)
  const port = [{ name: 'mysql', port: 3306, targetPort: 'mysql' }]
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: master, labels: labels(parent) },
      spec: {
        selector: { ...selector(parent), 'statefulset.kubernetes.io/pod-name': `${statefulSet}-0` },
        ports: port,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: replicas, labels: labels(parent) },
      spec: { selector: selector(parent), ports: port },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headless, labels: labels(parent) },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: selector(parent),
        ports: port,
      },
    },
  ]
}

function pdb(parent: P): PodDisruptionBudget & KObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: names(parent).pdb, labels: labels(parent) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector(parent) } },
  }
}

function backups(parent: P, spec: MysqlClusterSpec): KObject[] {
  if (!spec.backupSchedule) return []
  const { backupClaim: claim, backup, replicas } = names(parent)
  const pvc: PersistentVolumeClaim & KObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, labels: labels(parent) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.backupStorage } },
    },
  }
  const cron: CronJob & KObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: backup, labels: labels(parent) },
    spec: {
      schedule: spec.backupSchedule,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels: { ...selector(parent), 'app.kubernetes.io/component': 'backup' } },
            spec: {
              restartPolicy: 'OnFailure',
              automountServiceAccountToken: false,
              containers: [
                {
                  name: 'backup',
                  image: `percona:${spec.mysqlVersion}`,
                  command: [
                    'sh',
                    '-c',
                    `mysqldump -h ${replicas} -uroot -p"$MYSQL_ROOT_PASSWORD" --all-databases --single-transaction | gzip > /backups/$(date +%Y%m%d-%H%M%S).sql.gz`,
                  ],
                  env: [
                    {
                      name: 'MYSQL_ROOT_PASSWORD',
                      valueFrom: { secretKeyRef: { name: spec.secretName, key: 'ROOT_PASSWORD' } },
                    },
                  ],
                  volumeMounts: [{ name: 'backups', mountPath: '/backups' }],
                },
              ],
              volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: claim } }],
            },
          },
        },
      },
    },
  }
  return [pvc, cron]
}

/**
 * The whole cluster — unless the user's Secret or its ROOT_PASSWORD is missing: then nothing new
 * is created, everything that exists is kept (never a shorter child list), and the status says why.
 */
export function sync({
  parent,
  spec,
  children,
  related,
}: HookContext<MysqlClusterSpec>): CompositeSyncResult {
  const desired: KObject[] = [
    configMap(parent),
    statefulSet(parent, spec),
    ...services(parent),
    pdb(parent),
    ...backups(parent, spec),
  ]
  const secret = related.get<KObject & { data?: Record<string, string> }>(
    'Secret',
    spec.secretName,
    parent.metadata.namespace,
  )
  const problem = !secret
    ? ['SecretMissing', `Secret ${spec.secretName} does not exist in ${parent.metadata.namespace}`]
    : secret.data?.ROOT_PASSWORD === undefined
      ? ['RootPasswordMissing', `Secret ${spec.secretName} has no ROOT_PASSWORD key`]
      : undefined
  if (problem) {
    const existing = desired.filter(
      (d) =>
        children.get({ kind: d.kind, apiVersion: d.apiVersion }, d.metadata.name) !== undefined,
    )
    return {
      children: existing,
      status: {
        replicas: spec.replicas,
        readyReplicas: 0,
        conditions: [condition('Ready', false, problem[0]!, problem[1]!)],
      },
    }
  }
  const n = names(parent)
  const ready = deploymentReady(
    children.get('StatefulSet', n.statefulSet),
    n.statefulSet,
    'StatefulSet',
  )
  return {
    children: desired,
    status: {
      replicas: spec.replicas,
      ...ready,
      masterService: n.master,
      replicasService: n.replicas,
    },
  }
}
