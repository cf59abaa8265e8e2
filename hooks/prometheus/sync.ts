import type { Deployment } from 'kubernetes-types/apps/v1'
import type { ConfigMap, Service } from 'kubernetes-types/core/v1'
import { stringify } from 'yaml'
import {
  childName,
  deploymentReady,
  labelValueOf,
  sha256Hex,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type Parent,
  type RelatedResourceRule,
} from 'metahooks'
import type { ObservedService, PrometheusSpec } from './schema.ts'

type P = Parent<PrometheusSpec>

const labels = (p: P) => ({ app: 'prometheus', prometheus: labelValueOf(p.metadata.name) })

/** Services picked by the selectors, across namespaces when a namespace selector is given (v2 hooks). */
export function customize({
  parent,
  spec,
}: CustomizeContext<PrometheusSpec>): RelatedResourceRule[] {
  const labelSelector = spec.serviceMonitorSelector
  return spec.serviceMonitorNamespaceSelector
    ? [
        {
          apiVersion: 'v1',
          resource: 'services',
          labelSelector,
          namespaceSelector: spec.serviceMonitorNamespaceSelector,
        },
      ]
    : [
        {
          apiVersion: 'v1',
          resource: 'services',
          labelSelector,
          namespace: parent.metadata.namespace!,
        },
      ]
}

/** prometheus.yml: one scrape job per related Service port, targeting the Service's DNS name. */
export function prometheusConfig(spec: PrometheusSpec, services: readonly KObject[]): string {
  // Every related Service was checked against ObservedService as it was read (400 otherwise).
  const jobs = (services as (KObject & ObservedService)[]).flatMap((svc) => {
    return (svc.spec?.ports ?? []).map((port) => ({
      job_name: `${svc.metadata.namespace}/${svc.metadata.name}/${port.name ?? port.port}`,
      static_configs: [
        {
          targets: [`${svc.metadata.name}.${svc.metadata.namespace}.svc:${port.port}`],
          labels: { namespace: svc.metadata.namespace ?? '', service: svc.metadata.name },
        },
      ],
    }))
  })
  return stringify(
    { global: { scrape_interval: spec.scrapeInterval }, scrape_configs: jobs },
    { lineWidth: 0 },
  )
}

export async function sync({
  parent,
  spec,
  children,
  related,
}: HookContext<PrometheusSpec>): Promise<CompositeSyncResult> {
  const name = parent.metadata.name
  const configName = childName({ apiVersion: 'v1', kind: 'ConfigMap' }, name, 'config')
  const services = related.list('Service')
  const config = prometheusConfig(spec, services)
  const configMap: ConfigMap & KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configName, labels: labels(parent) },
    data: { 'prometheus.yml': config },
  }
  const deployment: Deployment & KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels(parent) },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels(parent) },
      template: {
        // A new config changes this hash, and the Deployment rolls.
        metadata: {
          labels: labels(parent),
          annotations: { 'metahooks.dev/config-hash': await sha256Hex(config, 16) },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534 },
          containers: [
            {
              name: 'prometheus',
              image: spec.image,
              args: [
                '--config.file=/etc/prometheus/prometheus.yml',
                '--storage.tsdb.path=/prometheus',
                `--storage.tsdb.retention.time=${spec.retention}`,
              ],
              ports: [{ name: 'web', containerPort: 9090 }],
              readinessProbe: { httpGet: { path: '/-/ready', port: 'web' } },
              ...(spec.resources && { resources: spec.resources }),
              volumeMounts: [
                { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                { name: 'data', mountPath: '/prometheus' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: configName } },
            { name: 'data', emptyDir: {} },
          ],
        },
      },
    },
  }
  const service: Service & KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: childName({ apiVersion: 'v1', kind: 'Service' }, name),
      labels: labels(parent),
    },
    spec: { selector: labels(parent), ports: [{ name: 'web', port: 9090, targetPort: 'web' }] },
  }
  return {
    children: [configMap, deployment, service],
    status: {
      targets: services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
      ...deploymentReady(children.get('Deployment', name), name),
    },
  }
}
