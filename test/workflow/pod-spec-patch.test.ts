import { describe, expect, it } from 'vitest'
import {
  jsonMergePatch,
  mergePodSpec,
  parsePodSpecPatch,
  PodSpecPatchError,
} from '../../hooks/workflow/pod-spec-patch.ts'

const base = {
  containers: [
    {
      name: 'main',
      image: 'busybox',
      env: [{ name: 'A', value: '1' }],
      volumeMounts: [{ name: 'w', mountPath: '/w' }],
    },
  ],
  volumes: [{ name: 'w', emptyDir: {} }],
  tolerations: [{ key: 'a', operator: 'Exists' }],
  nodeSelector: { pool: 'default' },
}

describe('podSpecPatch merges like a strategic merge patch of a PodSpec', () => {
  it.each([
    {
      name: 'containers by name',
      reason: 'Argo patches main by naming it',
      patch: { containers: [{ name: 'main', resources: { limits: { cpu: '1' } } }] },
      want: {
        containers: [{ name: 'main', image: 'busybox', resources: { limits: { cpu: '1' } } }],
      },
    },
    {
      name: 'a new container is appended',
      reason: 'a name not in the list adds an item',
      patch: { containers: [{ name: 'extra', image: 'x' }] },
      want: { containers: [{ name: 'main' }, { name: 'extra', image: 'x' }] },
    },
    {
      name: 'env by name inside a container',
      reason: 'nested lists keep their own merge keys',
      patch: {
        containers: [
          {
            name: 'main',
            env: [
              { name: 'A', value: '2' },
              { name: 'B', value: '3' },
            ],
          },
        ],
      },
      want: {
        containers: [
          {
            name: 'main',
            env: [
              { name: 'A', value: '2' },
              { name: 'B', value: '3' },
            ],
          },
        ],
      },
    },
    {
      name: 'volumeMounts by mountPath',
      reason: 'the merge key of volumeMounts is mountPath',
      patch: {
        containers: [
          { name: 'main', volumeMounts: [{ name: 'w', mountPath: '/w', readOnly: true }] },
        ],
      },
      want: {
        containers: [
          { name: 'main', volumeMounts: [{ name: 'w', mountPath: '/w', readOnly: true }] },
        ],
      },
    },
    {
      name: 'tolerations are replaced',
      reason: 'a list without a merge key is replaced whole',
      patch: { tolerations: [{ key: 'b', operator: 'Exists' }] },
      want: { tolerations: [{ key: 'b', operator: 'Exists' }] },
    },
    {
      name: 'maps merge, null deletes',
      reason: 'objects merge deeply and null removes a field',
      patch: { nodeSelector: { zone: 'a' }, volumes: null },
      want: { nodeSelector: { pool: 'default', zone: 'a' } },
    },
  ])('$name', ({ patch, want, reason }) => {
    const merged = mergePodSpec(base, patch)
    expect(merged, reason).toMatchObject(want)
    if (patch.volumes === null) expect(merged).not.toHaveProperty('volumes')
    // The input is never changed.
    expect(base.containers[0]!.env).toEqual([{ name: 'A', value: '1' }])
  })

  it.each([
    { text: '{"containers": [', error: /podSpecPatch is not JSON or YAML/ },
    { text: '- a list', error: /must be an object of Pod spec fields/ },
    { text: 'just text', error: /must be an object of Pod spec fields/ },
  ])('refuses $text', ({ text, error }) => {
    expect(() => parsePodSpecPatch(text)).toThrow(PodSpecPatchError)
    expect(() => parsePodSpecPatch(text)).toThrow(error)
  })

  it('reads YAML and JSON alike', () => {
    expect(parsePodSpecPatch('terminationGracePeriodSeconds: 5')).toEqual({
      terminationGracePeriodSeconds: 5,
    })
    expect(parsePodSpecPatch('{"hostNetwork": true}')).toEqual({ hostNetwork: true })
  })
})

describe('jsonMergePatch: the same merge as RFC 7386 (what kubectl patch --type merge and the UI send)', () => {
  it('merges objects, deletes what is null and replaces lists whole (no merge keys)', () => {
    const workflow = {
      metadata: { name: 'w', annotations: { keep: 'yes' } },
      spec: { shutdown: 'Stop', entrypoint: 'main', templates: [{ name: 'a' }, { name: 'b' }] },
    }
    expect(
      jsonMergePatch(workflow, {
        metadata: { annotations: { 'workflows.metahooks.dev/retry': 't1' } },
        spec: { shutdown: null, templates: [{ name: 'a', image: 'x' }] },
      }),
    ).toEqual({
      metadata: { name: 'w', annotations: { keep: 'yes', 'workflows.metahooks.dev/retry': 't1' } },
      spec: { entrypoint: 'main', templates: [{ name: 'a', image: 'x' }] },
    })
    // A PodSpec's containers would merge by name through mergePodSpec; here they are replaced.
    expect(jsonMergePatch(base, { containers: [{ name: 'main', image: 'x' }] }).containers).toEqual(
      [{ name: 'main', image: 'x' }],
    )
  })
})
