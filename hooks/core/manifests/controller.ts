import type {
  CompositeController,
  DecoratorController,
  Hook,
  Webhook,
} from '../contract/controllers.ts'
import type { ControllerDefinition, HookName, ResolvedChildResource } from '../define.ts'
import { hasHook } from '../run.ts'

/** Where Metacontroller reaches the hooks: the in-cluster Service, or a URL (e.g. the Worker). */
export type HookTarget =
  | { kind: 'service'; name: string; namespace: string; port?: number }
  | { kind: 'url'; baseUrl: string }

export interface ControllerManifestOptions {
  target: HookTarget
  /** Adds `authorization.secretRef` to every hook (the Secret holding METAHOOKS_AUTH_TOKEN). */
  authSecret?: { name: string; namespace: string; key: string }
  /** Whole-exchange deadline per call (Metacontroller's default is 10s). */
  timeout?: string
  /**
   * Metacontroller's per-parent response cache, answered by our request-derived ETags. Both
   * durations are always set: Metacontroller crashes when only the timeout is given.
   */
  etag?: { cacheTimeoutSeconds: number; cacheCleanupSeconds: number }
  /**
   * Service target over HTTPS (Metacontroller 4.16+): port 443, the server verified with the CA in
   * `ca`; with `client`, Metacontroller presents that client certificate (mTLS).
   */
  tls?: {
    ca: { name: string; namespace: string; key: string }
    client?: { name: string; namespace: string }
  }
}

export const DEFAULT_TARGET: HookTarget = {
  kind: 'service',
  name: 'metahooks',
  namespace: 'metahooks',
  port: 80,
}

const HOOK_ORDER: readonly HookName[] = ['sync', 'finalize', 'customize']

function webhook(
  definition: ControllerDefinition,
  hook: HookName,
  options: ControllerManifestOptions,
): Webhook {
  const path = `/${definition.name}/${hook}`
  const w: Webhook =
    options.target.kind === 'url'
      ? { url: `${options.target.baseUrl.replace(/\/+$/, '')}${path}` }
      : {
          service: {
            name: options.target.name,
            namespace: options.target.namespace,
            ...(options.tls
              ? { port: 443, protocol: 'https' }
              : options.target.port !== undefined && { port: options.target.port }),
          },
          path,
        }
  if (options.timeout) w.timeout = options.timeout
  if (options.etag) w.etag = { enabled: true, ...options.etag }
  if (options.authSecret) w.authorization = { type: 'Bearer', secretRef: options.authSecret }
  if (options.tls && options.target.kind === 'service') {
    w.caBundle = { secretRef: options.tls.ca }
    if (options.tls.client) w.clientTLS = { secretRef: options.tls.client }
  }
  return w
}

function hooks(
  definition: ControllerDefinition,
  options: ControllerManifestOptions,
): Record<string, Hook> {
  const out: Record<string, Hook> = {}
  for (const hook of HOOK_ORDER) {
    if (hasHook(definition, hook))
      out[hook] = { version: definition.hookVersion, webhook: webhook(definition, hook, options) }
  }
  return out
}

function childRule(c: ResolvedChildResource) {
  const method = c.updateStrategy.method
  return {
    apiVersion: c.apiVersion,
    resource: c.resource,
    ...((method || c.updateStrategy.statusChecks) && { updateStrategy: c.updateStrategy }),
  }
}

/** The CompositeController or DecoratorController resource for a definition. */
export function controllerManifest(
  definition: ControllerDefinition,
  options: ControllerManifestOptions = { target: DEFAULT_TARGET },
): CompositeController | DecoratorController {
  const resync =
    definition.resyncPeriodSeconds !== undefined
      ? { resyncPeriodSeconds: definition.resyncPeriodSeconds }
      : {}
  if (definition.type === 'composite') {
    return {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: definition.name },
      spec: {
        ...(definition.generateSelector && { generateSelector: true }),
        ...resync,
        parentResource: {
          apiVersion: definition.parent.apiVersion,
          resource: definition.parent.plural,
        },
        childResources: definition.children.map(childRule),
        hooks: hooks(definition, options),
      },
    }
  }
  return {
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: 'DecoratorController',
    metadata: { name: definition.name },
    spec: {
      ...resync,
      resources: definition.resources.map((r) => ({
        apiVersion: r.apiVersion,
        resource: r.resource,
        ...(r.labelSelector && { labelSelector: r.labelSelector }),
        ...(r.annotationSelector && { annotationSelector: r.annotationSelector }),
      })),
      attachments: definition.attachments.map((a) => ({
        apiVersion: a.apiVersion,
        resource: a.resource,
        ...(a.updateStrategy.method && { updateStrategy: { method: a.updateStrategy.method } }),
      })),
      hooks: hooks(definition, options),
    },
  }
}
