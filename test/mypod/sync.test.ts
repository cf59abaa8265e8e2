import { describe, expect, it } from 'vitest'
import mypod from '../../hooks/mypod/index.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { myPodParent, observedPod } from '../fixtures/mypod.ts'

const pod = (name: string, containers: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    labels: {
      'app.kubernetes.io/name': 'mypod',
      'app.kubernetes.io/instance': 'mypod-test',
      'app.kubernetes.io/managed-by': 'metahooks',
    },
  },
  spec: { containers: [{ name: 'main', ...containers }] },
})

// Pod names are part of the contract with a running cluster: if a release changed them, every
// MyPod's Pod would be replaced on upgrade. So they are spelled out here, not computed.
const NOTES = 'mypod-test-2492af8a'
const NEW_IMAGE = 'mypod-test-08675576'
const DEFAULTS = 'mypod-test-02859db4'
const notesPod = pod(NOTES, {
  image: 'nginx',
  command: ['custom', 'command'],
  env: [{ name: 'URI', value: 'any uri' }],
})
const newImageSpec = { uri: 'any uri', customCommand: 'custom command', image: 'nginx:1.27' }
const newImagePod = pod(NEW_IMAGE, {
  image: 'nginx:1.27',
  command: ['custom', 'command'],
  env: [{ name: 'URI', value: 'any uri' }],
})
const terminating = (o: KObject): KObject => ({
  ...o,
  metadata: { ...o.metadata, deletionTimestamp: '2026-11-22T11:00:00Z' },
})

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
    reason:
      'no Pod observed yet: desire it, named after the MyPod and a hash of its container, and say we wait for it',
    children: [notesPod],
    status: {
      podName: NOTES,
      image: 'nginx',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'PodNotCreated',
          message: `waiting for Pod ${NOTES} to be created`,
        },
      ],
    },
  },
  {
    name: 'Pod pending',
    reason: "the Pod exists but is not ready: report the kubelet's reason",
    observed: [observedPod(NOTES, { phase: 'Pending' })],
    children: [notesPod],
    status: {
      podName: NOTES,
      image: 'nginx',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [main]',
          lastTransitionTime: '2026-11-22T10:00:05Z',
        },
      ],
    },
  },
  {
    name: 'Pod running and ready',
    reason: "Ready mirrors the Pod's condition, keeping its transition time (no clock in the hook)",
    observed: [observedPod(NOTES, { phase: 'Running', ready: true })],
    children: [notesPod],
    status: {
      podName: NOTES,
      image: 'nginx',
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'PodReady',
          message: `Pod ${NOTES} is ready`,
          lastTransitionTime: '2026-11-22T10:00:05Z',
        },
      ],
    },
  },
  {
    name: 'spec changed',
    reason:
      'a new image is a new Pod; the running one is left out of the answer, so Metacontroller deletes it (no immutable field is ever patched)',
    spec: newImageSpec,
    observed: [observedPod(NOTES, { phase: 'Running', ready: true })],
    children: [newImagePod],
    status: {
      podName: NEW_IMAGE,
      image: 'nginx:1.27',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Replacing',
          message: `the spec changed: Pod ${NEW_IMAGE} replaces ${NOTES}`,
        },
      ],
    },
  },
  {
    name: 'new Pod starting, old one going',
    reason:
      "while both exist the condition still says which Pod replaces which, with the new one's phase",
    spec: newImageSpec,
    observed: [
      terminating(observedPod(NOTES, { phase: 'Running', ready: true })),
      observedPod(NEW_IMAGE, { image: 'nginx:1.27', phase: 'Pending' }),
    ],
    children: [newImagePod],
    status: {
      podName: NEW_IMAGE,
      image: 'nginx:1.27',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Replacing',
          message: `the spec changed: Pod ${NEW_IMAGE} (Pending) replaces ${NOTES}`,
        },
      ],
    },
  },
  {
    name: 'new Pod ready, old one still terminating',
    reason: 'the MyPod is Ready as soon as its current Pod is; the old one finishes on its own',
    spec: newImageSpec,
    observed: [
      terminating(observedPod(NOTES, { phase: 'Running', ready: true })),
      observedPod(NEW_IMAGE, { image: 'nginx:1.27', phase: 'Running', ready: true }),
    ],
    children: [newImagePod],
    status: {
      podName: NEW_IMAGE,
      image: 'nginx:1.27',
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'PodReady',
          message: `Pod ${NEW_IMAGE} is ready`,
          lastTransitionTime: '2026-11-22T10:00:05Z',
        },
      ],
    },
  },
  {
    name: 'many earlier Pods',
    reason: 'the message names three and counts the rest, however many there are',
    spec: newImageSpec,
    observed: ['a', 'b', 'c', 'd', 'e'].map((n) =>
      observedPod(`mypod-test-${n}`, { phase: 'Running' }),
    ),
    children: [newImagePod],
    status: {
      podName: NEW_IMAGE,
      image: 'nginx:1.27',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Replacing',
          message: `the spec changed: Pod ${NEW_IMAGE} replaces mypod-test-a, mypod-test-b, mypod-test-c and 2 more`,
        },
      ],
    },
  },
  {
    name: 'defaults',
    reason: 'image defaults to nginx; no command and no URI means the image entrypoint and no env',
    spec: {},
    children: [pod(DEFAULTS, { image: 'nginx' })],
    status: {
      podName: DEFAULTS,
      image: 'nginx',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'PodNotCreated',
          message: `waiting for Pod ${DEFAULTS} to be created`,
        },
      ],
    },
  },
  {
    name: 'quoted command',
    reason: 'customCommand is split like a shell would, without running one',
    spec: { customCommand: `sh -c "echo \\"$URI\\" && sleep 3600"`, uri: 'http://x' },
    children: [
      pod('mypod-test-906faa98', {
        image: 'nginx',
        command: ['sh', '-c', 'echo "$URI" && sleep 3600'],
        env: [{ name: 'URI', value: 'http://x' }],
      }),
    ],
    status: {
      podName: 'mypod-test-906faa98',
      image: 'nginx',
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'PodNotCreated',
          message: 'waiting for Pod mypod-test-906faa98 to be created',
        },
      ],
    },
  },
  {
    name: 'Pod terminating',
    reason: 'someone deleted the current Pod; say so until Metacontroller creates it again',
    spec: { image: 'nginx' },
    observed: [
      terminating(observedPod(DEFAULTS, { phase: 'Running', command: undefined, uri: undefined })),
    ],
    children: [pod(DEFAULTS, { image: 'nginx' })],
    status: {
      podName: DEFAULTS,
      image: 'nginx',
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'PodTerminating',
          message: `Pod ${DEFAULTS} is being deleted`,
        },
      ],
    },
  },
]

describe('mypod sync', () => {
  it.each(cases)('$name: $reason', async ({ spec, observed, children, status }) => {
    for (const version of ['v1', 'v2'] as const) {
      const outcome = await runHook(
        mypod,
        'sync',
        compositeRequest(mypod, { parent: myPodParent(spec), observed: observed ?? [], version }),
      )
      expect(outcome.ok, outcome.ok ? '' : outcome.message).toBe(true)
      if (!outcome.ok) return
      expect(outcome.response).toEqual({ status, children })
    }
  })

  it.each([
    {
      name: 'image of the wrong type',
      spec: { image: 7 },
      error: /spec\.image: Invalid input: expected string, received number/,
    },
    {
      name: 'image with whitespace',
      spec: { image: 'nginx latest' },
      error: /spec\.image: must be a container image reference without whitespace/,
    },
    {
      name: 'unterminated quote',
      spec: { customCommand: `echo "hi` },
      error: /spec\.customCommand: cannot be split into words: unterminated double quote/,
    },
    {
      name: 'blank command',
      spec: { customCommand: '   ' },
      error: /spec\.customCommand: must contain a command/,
    },
    {
      name: 'shell operators without a shell',
      spec: { customCommand: 'echo $URI && sleep 3600' },
      error:
        /spec\.customCommand: uses the shell's "&&", but no shell runs it \(it would be an argument\); to run a shell, write: sh -c 'echo \$URI && sleep 3600'/,
    },
    {
      name: 'a command substitution without a shell',
      spec: { customCommand: 'echo $(date)' },
      error: /spec\.customCommand: uses the shell's "\$\(date\)"/,
    },
    {
      name: 'a redirection without a shell',
      spec: { customCommand: 'echo hi > /tmp/x' },
      error: /spec\.customCommand: uses the shell's ">"/,
    },
    { name: 'uri not a string', spec: { uri: ['a'] }, error: /spec\.uri/ },
  ])('invalid spec ($name) is a 422 and no child list at all', async ({ spec, error }) => {
    const observed = [observedPod(NOTES, { phase: 'Running', ready: true })]
    const outcome = await runHook(
      mypod,
      'sync',
      compositeRequest(mypod, { parent: myPodParent(spec), observed }),
    )
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.status).toBe(422)
    expect(outcome.message).toMatch(error)
    expect('response' in outcome).toBe(false)
  })

  it('is deterministic: the same request gives the same bytes', async () => {
    const request = compositeRequest(mypod, {
      parent: myPodParent(),
      observed: [observedPod(NOTES, { phase: 'Running' })],
    })
    const a = await runHook(mypod, 'sync', structuredClone(request))
    const b = await runHook(mypod, 'sync', structuredClone(request))
    expect(a.ok && b.ok && a.body === b.body).toBe(true)
  })
})
