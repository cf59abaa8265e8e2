import type { Deployment } from 'kubernetes-types/apps/v1'
import {
  deploymentReady,
  labelValueOf,
  type CompositeSyncResult,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import type { TimeCheckSpec } from './schema.ts'

/** The notes' Deployment: the timecheck app writing /logs/timecheck.log, a sidecar tailing it. */
export function desiredDeployment(
  parent: Parent<TimeCheckSpec>,
  spec: TimeCheckSpec,
): Deployment & KObject {
  const name = parent.metadata.name
  const podLabels = { app: 'timecheck', instance: labelValueOf(name) }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { kiamol: 'ch20' } },
    spec: {
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'tc',
              image: 'kiamol/ch07-timecheck',
              env: [
                { name: 'Application__Environment', value: spec.environment },
                { name: 'Timer__IntervalSeconds', value: String(spec.interval) },
              ],
              volumeMounts: [{ name: 'logs', mountPath: '/logs' }],
            },
            {
              name: 'logger',
              image: 'kiamol/ch03-sleep',
              command: ['sh', '-c', 'tail -f /logs-ro/timecheck.log'],
              volumeMounts: [{ name: 'logs', mountPath: '/logs-ro', readOnly: true }],
            },
          ],
          volumes: [{ name: 'logs', emptyDir: {} }],
        },
      },
    },
  }
}

export function sync({ parent, spec, children }: HookContext<TimeCheckSpec>): CompositeSyncResult {
  const deployment = desiredDeployment(parent, spec)
  const observed = children.get('Deployment', parent.metadata.name)
  return {
    children: [deployment],
    status: {
      deployment: parent.metadata.name,
      ...deploymentReady(observed, deployment.metadata!.name!),
    },
  }
}
