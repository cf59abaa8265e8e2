import { MANAGED_BY } from './crd.ts'

export interface ServerOptions {
  namespace: string
  name: string
  image: string
  /** Namespace Metacontroller runs in: the only one the NetworkPolicy admits. */
  metacontrollerNamespace: string
  /** Secret (in `namespace`) whose `token` key is the server's METAHOOKS_AUTH_TOKEN, if any. */
  authSecret?: string
}

export const DEFAULT_SERVER: ServerOptions = {
  namespace: 'metahooks',
  name: 'metahooks',
  image: 'ghcr.io/metahooks/metahooks:0.1.0',
  metacontrollerNamespace: 'metacontroller',
}

/**
 * The hook server in the cluster: Namespace, Deployment (2 replicas, non-root, read-only root
 * filesystem, probes, requests/limits, a drain delay so readiness turns before the listener
 * closes), Service, PodDisruptionBudget and a NetworkPolicy admitting only Metacontroller.
 */
export function serverManifests(o: ServerOptions = DEFAULT_SERVER): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': o.name, ...MANAGED_BY }
  const selector = { 'app.kubernetes.io/name': o.name }
  const env: Record<string, unknown>[] = [
    { name: 'HOST', value: '0.0.0.0' },
    { name: 'PORT', value: '8080' },
    { name: 'METAHOOKS_SHUTDOWN_DELAY_SECONDS', value: '5' },
    { name: 'METAHOOKS_SHUTDOWN_TIMEOUT_SECONDS', value: '20' },
  ]
  if (o.authSecret) env.push({ name: 'METAHOOKS_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: o.authSecret, key: 'token' } } })
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: MANAGED_BY } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'server',
                image: o.image,
                ports: [{ name: 'http', containerPort: 8080 }],
                env,
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 1 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                // tsx caches compiled modules under /tmp; the root filesystem stays read-only.
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.metacontrollerNamespace } } }],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
        ],
      },
    },
  ]
}
