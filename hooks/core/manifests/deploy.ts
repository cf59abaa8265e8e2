import { SERVER_MEMORY } from '../http/config.ts'
import { MANAGED_BY } from './crd.ts'

export interface ServerOptions {
  namespace: string
  name: string
  image: string
  /** Namespace Metacontroller runs in: the only one the NetworkPolicy admits. */
  metacontrollerNamespace: string
  /** Secret (in `namespace`) whose `token` key is the server's METAHOOKS_AUTH_TOKEN, if any. */
  authSecret?: string
  /**
   * Serve HTTPS from this kubernetes.io/tls Secret (tls.crt, tls.key; ca.crt too with `mtls`, to
   * verify Metacontroller's client certificate).
   */
  tls?: { secret: string; mtls: boolean }
  /**
   * Prometheus Operator scraping: a ServiceMonitor (with the auth Secret's token and the TLS Secrets
   * when those are on) and the NetworkPolicy admitting Prometheus from this namespace.
   */
  monitoring?: { namespace: string; clientTlsSecret?: string }
}

/** The hooks are stateless, so load is met by replicas: from 2 (the PodDisruptionBudget keeps 1) up to 10 at 70% CPU. */
export const AUTOSCALING = { minReplicas: 2, maxReplicas: 10, cpuPercent: 70 }

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
    { name: 'NODE_OPTIONS', value: `--max-old-space-size=${SERVER_MEMORY.maxOldSpaceMiB}` },
  ]
  if (o.authSecret)
    env.push({
      name: 'METAHOOKS_AUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: o.authSecret, key: 'token' } },
    })
  const port = o.tls
    ? { name: 'https', number: 8443, scheme: 'HTTPS' }
    : { name: 'http', number: 8080, scheme: 'HTTP' }
  if (o.tls) {
    env[1] = { name: 'PORT', value: String(port.number) }
    env.push(
      { name: 'METAHOOKS_TLS_CERT_FILE', value: '/tls/tls.crt' },
      { name: 'METAHOOKS_TLS_KEY_FILE', value: '/tls/tls.key' },
    )
    if (o.tls.mtls) env.push({ name: 'METAHOOKS_TLS_CLIENT_CA_FILE', value: '/tls/ca.crt' })
  }
  const probe = (path: string) => ({
    httpGet: { path, port: port.name, ...(o.tls && { scheme: port.scheme }) },
  })
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: MANAGED_BY } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: o.name, namespace: o.namespace, labels },
      // No replicas: the HorizontalPodAutoscaler owns the count (an applied count would reset it).
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'server',
                image: o.image,
                ports: [{ name: port.name, containerPort: port.number }],
                env,
                readinessProbe: { ...probe('/readyz'), periodSeconds: 2, failureThreshold: 1 },
                livenessProbe: { ...probe('/healthz'), periodSeconds: 10, failureThreshold: 3 },
                resources: {
                  requests: { cpu: '100m', memory: SERVER_MEMORY.request },
                  limits: { memory: SERVER_MEMORY.limit },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                // tsx caches compiled modules under /tmp; the root filesystem stays read-only.
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(o.tls ? [{ name: 'tls', mountPath: '/tls', readOnly: true }] : []),
                ],
              },
            ],
            // A renewed certificate appears in the mounted Secret and is picked up without a restart.
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              ...(o.tls ? [{ name: 'tls', secret: { secretName: o.tls.secret } }] : []),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        selector,
        ports: [{ name: port.name, port: o.tls ? 443 : 80, targetPort: port.name }],
      },
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
            from: [
              o.metacontrollerNamespace,
              ...(o.monitoring ? [o.monitoring.namespace] : []),
            ].map((ns) => ({
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
            })),
            ports: [{ protocol: 'TCP', port: port.number }],
          },
        ],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name },
        minReplicas: AUTOSCALING.minReplicas,
        maxReplicas: AUTOSCALING.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: AUTOSCALING.cpuPercent },
            },
          },
        ],
      },
    },
  ]
}

/** A Prometheus Operator ServiceMonitor for the server's /metrics (same credentials as Metacontroller's calls). */
export function serviceMonitor(o: ServerOptions): Record<string, unknown> {
  const tls = o.tls
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { 'app.kubernetes.io/name': o.name, ...MANAGED_BY },
    },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': o.name } },
      endpoints: [
        {
          port: tls ? 'https' : 'http',
          path: '/metrics',
          interval: '30s',
          ...(o.authSecret && {
            authorization: { type: 'Bearer', credentials: { name: o.authSecret, key: 'token' } },
          }),
          ...(tls && {
            scheme: 'https',
            tlsConfig: {
              serverName: `${o.name}.${o.namespace}.svc`,
              ca: { secret: { name: tls.secret, key: 'ca.crt' } },
              ...(tls.mtls &&
                o.monitoring?.clientTlsSecret && {
                  cert: { secret: { name: o.monitoring.clientTlsSecret, key: 'tls.crt' } },
                  keySecret: { name: o.monitoring.clientTlsSecret, key: 'tls.key' },
                }),
            },
          }),
        },
      ],
    },
  }
}
