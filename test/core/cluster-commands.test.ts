import { describe, expect, it } from 'vitest'
import { drift } from '../../hooks/core/cli/cluster/doctor.ts'
import { pathOf, typeOf } from '../../hooks/core/cli/cluster/kube.ts'
import { age, readiness } from '../../hooks/core/cli/cluster/status.ts'
import { finalizedType } from '../../hooks/core/cli/cluster/unstick.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { controllers } from '../../hooks/registry.ts'

// The pure parts of the cluster commands; the commands themselves run against the real API server
// in the cluster tier (test/cluster/commands.test.ts).

const project = { root: '.', found: true, controllers }
const object = (status?: unknown): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'X',
    metadata: { name: 'x' },
    ...(status !== undefined && { status }),
  }) as KObject

describe('doctor: drift between the generated and the live spec', () => {
  it.each([
    { name: 'equal', want: { a: 1, b: [{ c: 'd' }] }, live: { a: 1, b: [{ c: 'd' }] }, paths: [] },
    {
      name: 'fields others added are not drift',
      want: { a: 1 },
      live: { a: 1, added: true },
      paths: [],
    },
    {
      name: 'keys in another order are not drift',
      want: { b: [{ x: 1, y: 2 }] },
      live: { b: [{ y: 2, x: 1 }] },
      paths: [],
    },
    {
      name: 'a changed value, named by its path',
      want: { hooks: { sync: { timeout: '10s' } } },
      live: { hooks: { sync: { timeout: '3s' } } },
      paths: ['spec.hooks.sync.timeout'],
    },
    { name: 'a list of another length', want: { r: [1, 2] }, live: { r: [1] }, paths: ['spec.r'] },
    { name: 'a missing object', want: { etag: { enabled: true } }, live: {}, paths: ['spec.etag'] },
  ])('$name', ({ want, live, paths }) => expect(drift(want, live)).toEqual(paths))
})

describe('status: readiness and ages', () => {
  it.each([
    {
      name: 'Ready=True',
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
      want: 'ready',
    },
    {
      name: 'Available=False with a reason',
      status: {
        conditions: [
          {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: '0/1',
          },
        ],
      },
      want: 'not available (MinimumReplicasUnavailable: 0/1)',
    },
    { name: 'a Pod phase', status: { phase: 'Pending' }, want: 'Pending' },
    { name: 'a Job that succeeded', status: { succeeded: 1 }, want: 'succeeded' },
    { name: 'no status (a ConfigMap)', status: undefined, want: 'present' },
  ])('$name → $want', ({ status, want }) => expect(readiness(object(status))).toBe(want))

  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [600_000, '10m'],
    [3 * 3_600_000, '3h'],
    [3 * 86_400_000, '3d'],
  ])('%d ms ago → %s', (ms, want) =>
    expect(age(new Date(1_000_000_000_000 - ms).toISOString(), 1_000_000_000_000)).toBe(want),
  )
})

describe("API paths of the definitions' types", () => {
  it.each([
    {
      apiVersion: 'crd.example.com/v1',
      kind: 'MyPod',
      namespace: 'ns',
      path: '/apis/crd.example.com/v1/namespaces/ns/mypods/n',
    },
    { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', path: '/api/v1/namespaces/ns/pods/n' },
    {
      apiVersion: 'workflows.metahooks.dev/v1alpha1',
      kind: 'ClusterWorkflowTemplate',
      namespace: 'ignored',
      path: '/apis/workflows.metahooks.dev/v1alpha1/clusterworkflowtemplates/n',
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      namespace: 'ns',
      path: '/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies/n',
    },
  ])('$kind', ({ apiVersion, kind, namespace, path }) =>
    expect(pathOf(typeOf(controllers, apiVersion, kind), namespace, 'n')).toBe(path),
  )
})

describe('unstick: the types Metacontroller finalizes', () => {
  it.each(['WebPinger', 'webpingers', 'webpinger', 'wp'])(
    '%s names the WebPinger (its controller has a finalize hook)',
    (name) => expect(finalizedType(project, name).kind).toBe('WebPinger'),
  )
  it('a type whose controller has no finalize hook is refused, listing those that have one', () => {
    expect(() => finalizedType(project, 'mypod')).toThrow(
      /no controller with a finalize hook has a parent or decorated type named "mypod" \(those that do: .*WebPinger/,
    )
  })
})
