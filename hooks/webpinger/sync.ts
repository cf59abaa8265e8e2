import type { Deployment } from 'kubernetes-types/apps/v1'
import type { ConfigMap, Service } from 'kubernetes-types/core/v1'
import {
  childName,
  deploymentReady,
  labelValueOf,
  type CompositeFinalizeResult,
  type CompositeSyncResult,
  type FinalizeContext,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import { intervalMillis, type WebPingerSpec } from './schema.ts'

type P = Parent<WebPingerSpec | undefined>

/** The app logs through winston: plain lines to the console, JSON lines to the shared log file. */
const LOG_CONFIG = `const { createLogger, format, transports } = require('winston');

module.exports = createLogger({
  level: 'debug',
  transports: [
    new transports.Console({ level: 'debug', format: format.printf((info) => info.message) }),
    new transports.File({
      level: 'debug',
      filename: '/logs/web-ping.log',
      format: format.combine(format.timestamp(), format.json()),
      maxsize: 100 * 1024 * 1024,
      maxFiles: 1,
    }),
  ],
});
`

/** `wp-<name>` and `wp-<name>-config`, as the book named them; shortened to fit each kind when the name is long. */
const names = (parent: P) => ({
  app: childName({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'wp', parent.metadata.name),
  service: childName({ apiVersion: 'v1', kind: 'Service' }, 'wp', parent.metadata.name),
  config: childName({ apiVersion: 'v1', kind: 'ConfigMap' }, 'wp', parent.metadata.name, 'config'),
})

export function desiredConfigMap(parent: P): ConfigMap & KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: names(parent).config, labels: { kiamol: 'ch20' } },
    data: { 'logConfig.js': LOG_CONFIG },
  }
}

export function desiredDeployment(parent: P, spec: WebPingerSpec): Deployment & KObject {
  const { app, config } = names(parent)
  const selector = { app: 'web-ping', instance: labelValueOf(app) }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, labels: { kiamol: 'ch20' } },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector, target: spec.target } },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'web',
              image: 'kiamol/ch10-web-ping',
              env: [
                { name: 'INTERVAL', value: String(intervalMillis(spec.interval)) },
                { name: 'TARGET', value: spec.target },
                { name: 'METHOD', value: spec.method },
              ],
              volumeMounts: [
                { name: 'config', mountPath: '/app/config', readOnly: true },
                { name: 'logs', mountPath: '/logs' },
              ],
            },
            {
              name: 'api',
              image: 'kiamol/ch20-log-archiver',
              ports: [{ name: 'api', containerPort: 80 }],
              volumeMounts: [{ name: 'logs', mountPath: '/logs' }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config } },
            { name: 'logs', emptyDir: {} },
          ],
        },
      },
    },
  }
}

/** The archive endpoint, found by WebPingerArchive through the labels app=web-ping,target=<target>. */
export function desiredService(parent: P, spec: WebPingerSpec): Service & KObject {
  const { app, service } = names(parent)
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, labels: { kiamol: 'ch20', app: 'web-ping', target: spec.target } },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web-ping', instance: labelValueOf(app) },
      ports: [{ name: 'api', port: 8080, targetPort: 'api' }],
    },
  }
}

export function sync({ parent, spec, children }: HookContext<WebPingerSpec>): CompositeSyncResult {
  const deployment = desiredDeployment(parent, spec)
  return {
    children: [desiredConfigMap(parent), deployment, desiredService(parent, spec)],
    status: {
      target: spec.target,
      intervalMillis: intervalMillis(spec.interval),
      ...deploymentReady(children.get('Deployment', names(parent).app), names(parent).app),
    },
  }
}

/** Teardown order of the book's controller: the Service first, then the Deployment, then the ConfigMap. */
const TEARDOWN = ['Service', 'Deployment', 'ConfigMap'] as const

/**
 * One step of the ordered teardown per call: drop the first kind still observed, keep the rest,
 * and report `finalized` only once none of them is observed any more. Keeping the rest means
 * declaring them again, which needs the spec; without one (or while the namespace itself goes)
 * everything is removed at once instead of in order.
 */
export function finalize({
  parent,
  spec,
  children,
  namespaceTerminating,
}: FinalizeContext<WebPingerSpec>): CompositeFinalizeResult {
  const { app, service, config } = names(parent)
  const nameOf = { Service: service, Deployment: app, ConfigMap: config }
  const remaining = TEARDOWN.filter((kind) => children.get(kind, nameOf[kind]) !== undefined)
  const ordered = spec !== undefined && !namespaceTerminating
  const desired = (kind: (typeof TEARDOWN)[number]): KObject =>
    kind === 'Service'
      ? desiredService(parent, spec!)
      : kind === 'Deployment'
        ? desiredDeployment(parent, spec!)
        : desiredConfigMap(parent)
  return {
    children: ordered ? remaining.slice(1).map(desired) : [],
    status: {
      ...(spec && { target: spec.target }),
      teardown:
        remaining.length === 0
          ? 'Done'
          : ordered
            ? `Removing ${remaining[0]}`
            : 'Removing everything',
    },
    finalized: remaining.length === 0,
  }
}
