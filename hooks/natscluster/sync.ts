import type { StatefulSet } from 'kubernetes-types/apps/v1'
import type { Secret, Service } from 'kubernetes-types/core/v1'
import {
  childName,
  condition,
  labelValueOf,
  secretData,
  type CompositeSyncResult,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import type { NatsClusterSpec } from './schema.ts'

type P = Parent<NatsClusterSpec>

const labels = (parent: P) => ({ app: 'nats', nats_cluster: labelValueOf(parent.metadata.name) })
const SERVICE = { apiVersion: 'v1', kind: 'Service' }

/** The children's names: the parent's, shortened to fit each kind when it is long. */
export const names = (parent: { metadata: { name: string } }) => ({
  statefulSet: childName({ apiVersion: 'apps/v1', kind: 'StatefulSet' }, parent.metadata.name),
  client: childName(SERVICE, parent.metadata.name),
  mgmt: childName(SERVICE, parent.metadata.name, 'mgmt'),
  secret: childName({ apiVersion: 'v1', kind: 'Secret' }, parent.metadata.name),
})

/** Member `i`'s stable address through the headless management Service. */
const memberHost = (parent: P, i: number) =>
  `${names(parent).statefulSet}-${i}.${names(parent).mgmt}.${parent.metadata.namespace}.svc`

/** nats.conf: client 4222, monitoring 8222, cluster 6222 with a route to every member. */
export function natsConf(parent: P, spec: NatsClusterSpec): string {
  const routes = Array.from(
    { length: spec.size },
    (_, i) => `    nats://${memberHost(parent, i)}:6222`,
  )
  return [
    'port: 4222',
    'http_port: 8222',
    '',
    'cluster {',
    '  port: 6222',
    '  routes [',
    ...routes,
    '  ]',
    '}',
    '',
  ].join('\n')
}

/** NATS 1.x ships /gnatsd, 2.x /nats-server. */
const binary = (version: string) => (Number(version.split('.')[0]) < 2 ? '/gnatsd' : '/nats-server')

export function desiredStatefulSet(parent: P, spec: NatsClusterSpec): StatefulSet & KObject {
  const { statefulSet, mgmt, secret } = names(parent)
  const podLabels = { ...labels(parent), nats_version: spec.version }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: statefulSet, labels: labels(parent) },
    spec: {
      replicas: spec.size,
      serviceName: mgmt,
      podManagementPolicy: 'Parallel',
      // Kubernetes rolls one member at a time, waiting for each to be Ready.
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: labels(parent) },
      template: {
        metadata: { labels: podLabels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'nats',
              image: `${spec.serverImage}:${spec.version}`,
              command: [
                binary(spec.version),
                '-c',
                '/etc/nats-config/nats.conf',
                '-P',
                '/var/run/nats/nats.pid',
                '--cluster_advertise',
                `$(POD_NAME).${mgmt}.${parent.metadata.namespace}.svc`,
                '--connect_retries',
                '10',
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [
                { name: 'client', containerPort: 4222 },
                { name: 'cluster', containerPort: 6222 },
                { name: 'monitoring', containerPort: 8222 },
              ],
              readinessProbe: { httpGet: { path: '/', port: 'monitoring' }, periodSeconds: 5 },
              livenessProbe: {
                httpGet: { path: '/', port: 'monitoring' },
                initialDelaySeconds: 10,
                periodSeconds: 60,
                timeoutSeconds: 10,
                failureThreshold: 3,
              },
              volumeMounts: [
                { name: 'config', mountPath: '/etc/nats-config' },
                { name: 'pid', mountPath: '/var/run/nats' },
              ],
            },
          ],
          volumes: [
            { name: 'config', secret: { secretName: secret } },
            { name: 'pid', emptyDir: {} },
          ],
        },
      },
    },
  }
}

export function desiredServices(parent: P): (Service & KObject)[] {
  const { client, mgmt } = names(parent)
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: client, labels: labels(parent) },
      spec: {
        selector: labels(parent),
        ports: [{ name: 'client', port: 4222, targetPort: 'client' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: mgmt, labels: labels(parent) },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: labels(parent),
        ports: [
          { name: 'cluster', port: 6222, targetPort: 'cluster' },
          { name: 'monitoring', port: 8222, targetPort: 'monitoring' },
        ],
      },
    },
  ]
}

type ObservedSts = KObject & {
  metadata: { generation?: number }
  spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } }
  status?: {
    readyReplicas?: number
    updatedReplicas?: number
    observedGeneration?: number
    currentRevision?: string
    updateRevision?: string
  }
}

export function sync({
  parent,
  spec,
  children,
}: HookContext<NatsClusterSpec>): CompositeSyncResult {
  const n = names(parent)
  const secret: Secret & KObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: n.secret, labels: labels(parent) },
    data: secretData({ 'nats.conf': natsConf(parent, spec) }),
  }
  const sts = children.get<ObservedSts>('StatefulSet', n.statefulSet)
  const ready = sts?.status?.readyReplicas ?? 0
  const rolledOut =
    sts !== undefined &&
    (sts.status?.observedGeneration ?? 0) >= (sts.metadata.generation ?? 1) &&
    sts.status?.updateRevision === sts.status?.currentRevision &&
    (sts.status?.updatedReplicas ?? 0) >= spec.size
  const observedVersion = sts?.spec?.template?.metadata?.labels?.nats_version
  // The version every member runs: the new one once the rollout is complete, the old one until then.
  const previous =
    typeof parent.status?.currentVersion === 'string' ? parent.status.currentVersion : undefined
  const currentVersion =
    rolledOut && observedVersion === spec.version
      ? spec.version
      : (previous ?? (rolledOut ? observedVersion : undefined))
  const conditions = [
    ready >= spec.size && rolledOut
      ? condition('Ready', true, 'AllMembersReady', `${ready}/${spec.size} members ready`)
      : condition(
          'Ready',
          false,
          sts ? 'MembersNotReady' : 'Creating',
          `${ready}/${spec.size} members ready`,
        ),
    ...(currentVersion !== undefined && currentVersion !== spec.version
      ? [
          condition(
            'Upgrading',
            true,
            'RollingUpdate',
            `rolling from ${currentVersion} to ${spec.version}, one member at a time`,
          ),
        ]
      : []),
  ]
  return {
    children: [secret, ...desiredServices(parent), desiredStatefulSet(parent, spec)],
    status: { size: ready, ...(currentVersion !== undefined && { currentVersion }), conditions },
  }
}
