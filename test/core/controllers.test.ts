import { describe, expect, it } from 'vitest'
import { CompositeController, DecoratorController } from '../../hooks/core/contract/controllers.ts'

// The shapes of Metacontroller's own resources, as our manifests will produce and requests carry them.

const composite = {
  apiVersion: 'metacontroller.k8s.io/v1alpha1',
  kind: 'CompositeController',
  metadata: { name: 'mypod' },
  spec: {
    generateSelector: true,
    resyncPeriodSeconds: 60,
    parentResource: {
      apiVersion: 'crd.example.com/v1',
      resource: 'mypods',
      revisionHistory: { fieldPaths: ['spec'] },
    },
    childResources: [
      {
        apiVersion: 'v1',
        resource: 'pods',
        updateStrategy: {
          method: 'RollingRecreate',
          statusChecks: { conditions: [{ type: 'Ready', status: 'True' }] },
        },
      },
    ],
    hooks: {
      sync: {
        version: 'v2',
        webhook: {
          service: { name: 'metahooks', namespace: 'metahooks', port: 80 },
          path: '/mypod/sync',
          timeout: '10s',
          etag: { enabled: true, cacheTimeoutSeconds: 600, cacheCleanupSeconds: 600 },
          responseUnMarshallMode: 'strict',
          authorization: {
            type: 'Bearer',
            secretRef: { name: 'auth', namespace: 'metahooks', key: 'token' },
          },
        },
      },
      finalize: {
        webhook: {
          url: 'https://hooks.example/mypod/finalize',
          basicAuth: { secretRef: { name: 'b', namespace: 'n' } },
        },
      },
    },
  },
}

const decorator = {
  apiVersion: 'metacontroller.k8s.io/v1alpha1',
  kind: 'DecoratorController',
  metadata: { name: 'service-per-pod' },
  spec: {
    resources: [
      {
        apiVersion: 'apps/v1',
        resource: 'statefulsets',
        annotationSelector: {
          matchExpressions: [{ key: 'service-per-pod-label', operator: 'Exists' }],
        },
      },
    ],
    attachments: [
      { apiVersion: 'v1', resource: 'services', updateStrategy: { method: 'InPlace' } },
    ],
    hooks: { sync: { version: 'v2', webhook: { url: 'http://x/service-per-pod/sync' } } },
  },
}

describe('CompositeController / DecoratorController schemas', () => {
  it('accept realistic resources', () => {
    expect(CompositeController.safeParse(composite).success).toBe(true)
    expect(DecoratorController.safeParse(decorator).success).toBe(true)
  })

  it.each([
    {
      name: 'mis-cased responseUnmarshallMode',
      patch: (c: any) => (
        (c.spec.hooks.sync.webhook.responseUnmarshallMode = 'strict'),
        delete c.spec.hooks.sync.webhook.responseUnMarshallMode
      ),
      path: 'responseUnmarshallMode',
    },
    {
      name: 'unknown update method',
      patch: (c: any) => (c.spec.childResources[0].updateStrategy.method = 'Rolling'),
      path: 'method',
    },
    {
      name: 'missing parentResource',
      patch: (c: any) => delete c.spec.parentResource,
      path: 'parentResource',
    },
    {
      name: 'childResources given kind instead of resource',
      patch: (c: any) => (c.spec.childResources = [{ apiVersion: 'v1', kind: 'Pod' }]),
      path: 'childResources',
    },
  ])('reject $name', ({ patch, path }) => {
    const copy = structuredClone(composite)
    patch(copy)
    const parsed = CompositeController.safeParse(copy)
    expect(parsed.success).toBe(false)
    expect(JSON.stringify(parsed.error?.issues)).toContain(path)
  })
})
