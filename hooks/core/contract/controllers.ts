import * as z from 'zod'
import { HookVersion, LabelSelector, LabelSelectorRequirement } from './objects.ts'

/**
 * Metacontroller's own CompositeController and DecoratorController resources
 * (metacontroller.k8s.io/v1alpha1), as far as a hook author needs them. The manifests we generate
 * are validated against these schemas, and requests may be read through them.
 */
const SecretKeyRef = z.strictObject({
  name: z.string(),
  namespace: z.string(),
  key: z.string().optional(),
})
const SecretRef = z.strictObject({ name: z.string(), namespace: z.string() })

const EndpointSecurity = {
  caBundle: z
    .strictObject({
      inline: z.string().optional(),
      secretRef: SecretKeyRef.optional(),
      configMapRef: SecretKeyRef.optional(),
    })
    .optional(),
  clientTLS: z
    .strictObject({
      secretRef: SecretRef,
      certKey: z.string().optional(),
      privateKeyKey: z.string().optional(),
    })
    .optional(),
  authorization: z
    .strictObject({ type: z.string().optional(), secretRef: SecretKeyRef })
    .optional(),
  basicAuth: z
    .strictObject({
      secretRef: SecretRef,
      usernameKey: z.string().optional(),
      passwordKey: z.string().optional(),
    })
    .optional(),
}

export const Webhook = z.strictObject({
  url: z.string().optional(),
  path: z.string().optional(),
  service: z
    .strictObject({
      name: z.string(),
      namespace: z.string(),
      port: z.number().int().optional(),
      protocol: z.string().optional(),
    })
    .optional(),
  timeout: z.string().optional(),
  etag: z
    .strictObject({
      enabled: z.boolean().optional(),
      cacheTimeoutSeconds: z.number().int().optional(),
      cacheCleanupSeconds: z.number().int().optional(),
    })
    .optional(),
  // The capital M is Metacontroller's spelling.
  responseUnMarshallMode: z.enum(['loose', 'strict']).optional(),
  ...EndpointSecurity,
})
export type Webhook = z.infer<typeof Webhook>

export const Hook = z.strictObject({ version: HookVersion.optional(), webhook: Webhook })
export type Hook = z.infer<typeof Hook>

export const UpdateMethod = z.enum([
  'OnDelete',
  'Recreate',
  'InPlace',
  'RollingRecreate',
  'RollingInPlace',
])
export type UpdateMethod = z.infer<typeof UpdateMethod>

export const StatusCheckCondition = z.strictObject({
  type: z.string(),
  status: z.string().optional(),
  reason: z.string().optional(),
})

export const ChildUpdateStrategy = z.strictObject({
  method: UpdateMethod.optional(),
  statusChecks: z.strictObject({ conditions: z.array(StatusCheckCondition).optional() }).optional(),
})
export type ChildUpdateStrategy = z.infer<typeof ChildUpdateStrategy>

const ResourceRule = { apiVersion: z.string(), resource: z.string() }

const EndpointConfig = z.strictObject({ host: z.string(), ...EndpointSecurity })

const ObjectMetaLite = z.looseObject({ name: z.string() })

export const CompositeControllerSpec = z.strictObject({
  parentResource: z.strictObject({
    ...ResourceRule,
    labelSelector: LabelSelector.optional(),
    revisionHistory: z.strictObject({ fieldPaths: z.array(z.string()).optional() }).optional(),
    ignoreStatusChanges: z.boolean().optional(),
  }),
  childResources: z
    .array(z.strictObject({ ...ResourceRule, updateStrategy: ChildUpdateStrategy.optional() }))
    .optional(),
  resyncPeriodSeconds: z.number().int().optional(),
  generateSelector: z.boolean().optional(),
  hooks: z
    .strictObject({
      sync: Hook.optional(),
      finalize: Hook.optional(),
      customize: Hook.optional(),
      preUpdateChild: Hook.optional(),
      postUpdateChild: Hook.optional(),
    })
    .optional(),
  endpointConfigs: z.array(EndpointConfig).optional(),
})

export const CompositeController = z.looseObject({
  apiVersion: z.literal('metacontroller.k8s.io/v1alpha1'),
  kind: z.literal('CompositeController'),
  metadata: ObjectMetaLite,
  spec: CompositeControllerSpec,
})
export type CompositeController = z.infer<typeof CompositeController>

export const DecoratorControllerSpec = z.strictObject({
  resources: z.array(
    z.strictObject({
      ...ResourceRule,
      labelSelector: LabelSelector.optional(),
      annotationSelector: z
        .strictObject({
          matchAnnotations: z.record(z.string(), z.string()).optional(),
          matchExpressions: z.array(LabelSelectorRequirement).optional(),
        })
        .optional(),
      ignoreStatusChanges: z.boolean().optional(),
    }),
  ),
  attachments: z
    .array(
      z.strictObject({
        ...ResourceRule,
        updateStrategy: z.strictObject({ method: UpdateMethod.optional() }).optional(),
      }),
    )
    .optional(),
  resyncPeriodSeconds: z.number().int().optional(),
  hooks: z
    .strictObject({ sync: Hook.optional(), finalize: Hook.optional(), customize: Hook.optional() })
    .optional(),
  endpointConfigs: z.array(EndpointConfig).optional(),
})

export const DecoratorController = z.looseObject({
  apiVersion: z.literal('metacontroller.k8s.io/v1alpha1'),
  kind: z.literal('DecoratorController'),
  metadata: ObjectMetaLite,
  spec: DecoratorControllerSpec,
})
export type DecoratorController = z.infer<typeof DecoratorController>
