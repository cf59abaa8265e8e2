import { describe, expect, it } from 'vitest'
import mypod from '../../hooks/mypod/index.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { myPodParent, observedPod } from '../fixtures/mypod.ts'

const pod = (containers: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'mypod-test',
    labels: { 'app.kubernetes.io/name': 'mypod', 'app.kubernetes.io/instance': 'mypod-test', 'app.kubernetes.io/managed-by': 'metahooks' },
  },
  spec: { containers: [{ name: 'main', ...containers }] },
})

const notesPod = pod({ image: 'nginx', command: ['custom', 'command'], env: [{ name: 'URI', value: 'any uri' }] })

const cases: {
  name: string
  reason: string
  spec?: Record<string, unknown>
  observed?: KObject[]
  children: unknown[]
  status: Record<string, unknown>
}[] = [
  {
    name: 'fresh parent',
    reason: 'no Pod observed yet: desire it and say we wait for it',
    children: [notesPod],
    status: { podName: 'mypod-test', image: 'nginx', phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'PodNotCreated', message: 'waiting for Pod mypod-test to be created' }] },
  },
  {
    name: 'Pod pending',
    reason: "the Pod exists but is not ready: report the kubelet's reason",
    observed: [observedPod('mypod-test', { phase: 'Pending' })],
    children: [notesPod],
    status: {
      podName: 'mypod-test',
      image: 'nginx',
      phase: 'Pending',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]', lastTransitionTime: '2026-11-22T10:00:05Z' }],
    },
  },
  {
    name: 'Pod running and ready',
    reason: "Ready mirrors the Pod's condition, keeping its transition time (no clock in the hook)",
    observed: [observedPod('mypod-test', { phase: 'Running', ready: true })],
    children: [notesPod],
    status: {
      podName: 'mypod-test',
      image: 'nginx',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', reason: 'PodReady', message: 'Pod mypod-test is ready', lastTransitionTime: '2026-11-22T10:00:05Z' }],
    },
  },
  {
    name: 'spec changed',
    reason: 'a new image is desired; the running Pod is outdated and Recreate replaces it',
    spec: { uri: 'any uri', customCommand: 'custom command', image: 'nginx:1.27' },
    observed: [observedPod('mypod-test', { phase: 'Running', ready: true })],
    children: [pod({ image: 'nginx:1.27', command: ['custom', 'command'], env: [{ name: 'URI', value: 'any uri' }] })],
    status: {
      podName: 'mypod-test',
      image: 'nginx:1.27',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', reason: 'Recreating', message: 'Pod mypod-test runs an outdated spec and is being recreated' }],
    },
  },
  {
    name: 'defaults',
    reason: 'image defaults to nginx; no command and no URI means the image entrypoint and no env',
    spec: {},
    children: [pod({ image: 'nginx' })],
    status: { podName: 'mypod-test', image: 'nginx', phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'PodNotCreated', message: 'waiting for Pod mypod-test to be created' }] },
  },
  {
    name: 'quoted command',
    reason: 'customCommand is split like a shell would, without running one',
    spec: { customCommand: `sh -c "echo \\"$URI\\" && sleep 3600"`, uri: 'http://x' },
    children: [pod({ image: 'nginx', command: ['sh', '-c', 'echo "$URI" && sleep 3600'], env: [{ name: 'URI', value: 'http://x' }] })],
    status: { podName: 'mypod-test', image: 'nginx', phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'PodNotCreated', message: 'waiting for Pod mypod-test to be created' }] },
  },
  {
    name: 'Pod terminating',
    reason: 'Recreate deleted it; say so until the new one comes',
    spec: { image: 'nginx' },
    observed: [{ ...observedPod('mypod-test', { phase: 'Running', command: undefined, uri: undefined }), metadata: { ...observedPod('mypod-test').metadata, deletionTimestamp: '2026-11-22T11:00:00Z' } }],
    children: [pod({ image: 'nginx' })],
    status: { podName: 'mypod-test', image: 'nginx', phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'PodTerminating', message: 'Pod mypod-test is being deleted' }] },
  },
]

describe('mypod sync', () => {
  it.each(cases)('$name: $reason', async ({ spec, observed, children, status }) => {
    for (const version of ['v1', 'v2'] as const) {
      const outcome = await runHook(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent(spec), observed: observed ?? [], version }))
      expect(outcome.ok, outcome.ok ? '' : outcome.message).toBe(true)
      if (!outcome.ok) return
      expect(outcome.response).toEqual({ status, children })
    }
  })

  it.each([
    { name: 'image of the wrong type', spec: { image: 7 }, error: /spec\.image: Invalid input: expected string, received number/ },
    { name: 'image with whitespace', spec: { image: 'nginx latest' }, error: /spec\.image: must be a container image reference without whitespace/ },
    { name: 'unterminated quote', spec: { customCommand: `echo "hi` }, error: /spec\.customCommand: cannot be split into words: unterminated double quote/ },
    { name: 'blank command', spec: { customCommand: '   ' }, error: /spec\.customCommand: must contain a command/ },
    { name: 'uri not a string', spec: { uri: ['a'] }, error: /spec\.uri/ },
  ])('invalid spec ($name) is a 422 and no child list at all', async ({ spec, error }) => {
    const observed = [observedPod('mypod-test', { phase: 'Running', ready: true })]
    const outcome = await runHook(mypod, 'sync', compositeRequest(mypod, { parent: myPodParent(spec), observed }))
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(422)
    expect(outcome.message).toMatch(error)
    expect('response' in outcome).toBe(false)
  })

  it('is deterministic: the same request gives the same bytes', async () => {
    const request = compositeRequest(mypod, { parent: myPodParent(), observed: [observedPod('mypod-test', { phase: 'Running' })] })
    const a = await runHook(mypod, 'sync', structuredClone(request))
    const b = await runHook(mypod, 'sync', structuredClone(request))
    expect(a.ok && b.ok && a.body === b.body).toBe(true)
  })
})
