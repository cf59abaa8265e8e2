import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { START, wf } from './helpers.ts'

/** A fan-out of `n` steps over one template that names a lock (Argo's synchronization-tmpl-level example). */
const fanOut = (n: number, synchronization: Record<string, unknown>) => ({
  entrypoint: 'main',
  templates: [
    {
      name: 'main',
      steps: [[{ name: 'deploy', template: 'deploy', withSequence: { count: String(n) } }]],
    },
    { name: 'deploy', synchronization, container: { image: 'alpine:3', command: ['sleep', '1'] } },
  ],
})
const limits = (n: string) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'limits', namespace: 'default' },
    data: { deploys: n },
  }) as KObject

/** Runs to the end, noting the most Pods of the locked template alive at once and the lock slots seen. */
async function runLocked(spec: Record<string, unknown>, objects: KObject[] = []) {
  const sim = new Simulation(workflow, { parent: wf(spec), objects, startTime: START })
  let most = 0
  let slots = 0
  const waitingSeen = new Set<string>()
  for (let round = 0; round < 120; round++) {
    const r = await sim.step()
    if (r.error) throw new Error(`${r.error.status} ${r.error.message}`)
    const running = sim
      .objects()
      .filter(
        (o) =>
          o.kind === 'Pod' &&
          o.metadata.name.startsWith('wf-deploy-') &&
          (o as { status?: { phase?: string } }).status?.phase !== 'Succeeded',
      )
    most = Math.max(most, running.length)
    slots = Math.max(
      slots,
      sim
        .objects()
        .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('metahooks-lock-'))
        .length,
    )
    const waiting = Object.values(
      (sim.status?.nodes ?? {}) as Record<string, { message?: string; waitingForLock?: string }>,
    ).find((n) => n.waitingForLock)
    if (waiting) waitingSeen.add(waiting.message!)
    if (
      sim.status?.phase === 'Succeeded' &&
      !sim.objects().some((o) => o.metadata.name.startsWith('metahooks-lock-'))
    )
      break
  }
  return { sim, most, slots, waitingSeen }
}

describe('workflow: synchronization on a template', () => {
  it("a mutex: three steps over the template run one at a time, each waiting with Argo's message, and the slot goes when the last ends", async () => {
    const { sim, most, slots, waitingSeen } = await runLocked(
      fanOut(3, { mutex: { name: 'deploy' } }),
    )
    expect(sim.status?.phase).toBe('Succeeded')
    expect(most).toBe(1)
    expect(slots).toBe(1)
    expect(waitingSeen).toContain('Waiting for default/Mutex/deploy lock. Lock status: 0/1')
  })

  it('a semaphore of 2 (a ConfigMap key): four steps, never more than two at once', async () => {
    const { sim, most, slots } = await runLocked(
      fanOut(4, { semaphore: { configMapKeyRef: { name: 'limits', key: 'deploys' } } }),
      [limits('2')],
    )
    expect(sim.status?.phase).toBe('Succeeded')
    expect(most).toBe(2)
    expect(slots).toBe(2)
  })

  it("an older workflow's node waiting for the lock goes first; status shows who holds and who waits", async () => {
    const older = {
      ...wf(fanOut(1, { mutex: { name: 'deploy' } }), 'older'),
      metadata: {
        name: 'older',
        namespace: 'default',
        uid: 'uid-older',
        creationTimestamp: '2025-12-31T00:00:00Z',
      },
      status: {
        phase: 'Running',
        nodes: {
          'older-1': {
            name: 'older[0].deploy(0:0)',
            displayName: 'deploy(0:0)',
            type: 'Pod',
            phase: 'Pending',
            waitingForLock: 'default/Mutex/deploy',
          },
        },
      },
    } as KObject
    const me = {
      ...wf(fanOut(1, { mutex: { name: 'deploy' } })),
      metadata: {
        name: 'wf',
        namespace: 'default',
        uid: 'uid-wf',
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
    } as KObject
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: me, related: [older] }),
      { now: new Date('2026-01-01T00:00:10Z') },
    )
    if (!outcome.ok) throw new Error(outcome.message)
    const response = outcome.response as {
      children: KObject[]
      status: { synchronization: unknown; nodes: Record<string, { message?: string }> }
    }
    expect(response.children.filter((c) => c.kind === 'ConfigMap')).toEqual([])
    expect(response.children.filter((c) => c.kind === 'Pod')).toEqual([])
    expect(response.status.synchronization).toEqual({
      mutex: { waiting: [{ mutex: 'default/Mutex/deploy', holder: 'wf[0].deploy(0:0)' }] },
    })
  })

  it("customize relates the lock slots and the namespace's Workflows when a template names a lock", async () => {
    const outcome = await runHook(
      workflow,
      'customize',
      { controller: {}, parent: wf(fanOut(1, { mutex: { name: 'deploy' } })) } as never,
      { now: new Date(START) },
    )
    if (!outcome.ok) throw new Error(outcome.message)
    expect(JSON.stringify(outcome.response)).toContain('"resource":"workflows"')
  })
})
