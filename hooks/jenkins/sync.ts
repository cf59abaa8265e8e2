import type { StatefulSet } from 'kubernetes-types/apps/v1'
import type { Service } from 'kubernetes-types/core/v1'
import {
  childName,
  condition,
  deploymentReady,
  labelValueOf,
  type CompositeSyncResult,
  type Condition,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import type { JenkinsSpec } from './schema.ts'

type P = Parent<JenkinsSpec>
const HOME = 'jenkins-home'

const labels = (parent: P) => ({ app: 'jenkins', instance: labelValueOf(parent.metadata.name) })

/** The children's names, from the parent's and valid for each kind whatever its length. */
export const names = (parent: P) => ({
  statefulSet: childName(STATEFUL_SET, parent.metadata.name),
  service: childName(SERVICE, parent.metadata.name),
  agent: childName(SERVICE, parent.metadata.name, 'agent'),
})
const STATEFUL_SET = { apiVersion: 'apps/v1', kind: 'StatefulSet' }
const SERVICE = { apiVersion: 'v1', kind: 'Service' }

/**
 * One Jenkins controller as a StatefulSet of one, JENKINS_HOME on a claim from its
 * volumeClaimTemplate. Retention is Kubernetes' own persistentVolumeClaimRetentionPolicy: with
 * Delete the claim goes with the StatefulSet; with Retain it outlives it (a hook cannot orphan its
 * own child, but the StatefulSet controller can leave the claim unowned).
 */
export function desiredStatefulSet(
  parent: P,
  spec: JenkinsSpec,
  storage: string,
): StatefulSet & KObject {
  const { statefulSet, agent } = names(parent)
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: statefulSet, labels: { ...labels(parent), project: spec.project } },
    spec: {
      replicas: 1,
      serviceName: agent,
      selector: { matchLabels: labels(parent) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: spec.dataPolicy, whenScaled: 'Retain' },
      template: {
        metadata: { labels: labels(parent) },
        spec: {
          securityContext: { fsGroup: 1000, runAsUser: 1000, runAsNonRoot: true },
          containers: [
            {
              name: 'jenkins',
              image: spec.image,
              env: [{ name: 'JENKINS_HOME', value: '/var/jenkins_home' }],
              ports: [
                { name: 'http', containerPort: 8080 },
                { name: 'agent', containerPort: 50000 },
              ],
              readinessProbe: { httpGet: { path: '/login', port: 'http' }, periodSeconds: 10 },
              volumeMounts: [{ name: HOME, mountPath: '/var/jenkins_home' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: HOME, labels: labels(parent) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(spec.storageClassName && { storageClassName: spec.storageClassName }),
            resources: { requests: { storage } },
          },
        },
      ],
    },
  }
}

export function desiredServices(parent: P, spec: JenkinsSpec): (Service & KObject)[] {
  const { service, agent } = names(parent)
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, labels: labels(parent) },
      spec: {
        type: spec.serviceType,
        selector: labels(parent),
        ports: [{ name: 'http', port: 8080, targetPort: 'http' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: agent, labels: labels(parent) },
      spec: {
        clusterIP: 'None',
        selector: labels(parent),
        ports: [{ name: 'agent', port: 50000, targetPort: 'agent' }],
      },
    },
  ]
}

type ObservedSts = KObject & {
  spec?: { volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[] }
}

export function sync({ parent, spec, children }: HookContext<JenkinsSpec>): CompositeSyncResult {
  const { statefulSet, service } = names(parent)
  const observed = children.get<ObservedSts>('StatefulSet', statefulSet)
  // volumeClaimTemplates are immutable: keep the size the StatefulSet was created with, and say so.
  const existingSize = observed?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage
  const storage = existingSize ?? spec.storage
  const conditions: Condition[] = [
    ...deploymentReady(observed, statefulSet, 'StatefulSet').conditions,
  ]
  if (existingSize && existingSize !== spec.storage) {
    conditions.push(
      condition(
        'StorageResized',
        false,
        'Immutable',
        `JENKINS_HOME stays ${existingSize}: a StatefulSet's volume size cannot change (resize the PersistentVolumeClaim instead)`,
      ),
    )
  }
  return {
    children: [desiredStatefulSet(parent, spec, storage), ...desiredServices(parent, spec)],
    status: {
      project: spec.project,
      url: `http://${service}.${parent.metadata.namespace}:8080`,
      dataPolicy: spec.dataPolicy,
      volumeClaim: `${HOME}-${statefulSet}-0`,
      conditions,
    },
  }
}
