import { describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { clusterThing, clusterThingParent } from '../fixtures/controllers.ts'

describe('runHook: an invalid spec', () => {
  it.each([
    {
      name: 'on sync',
      finalizing: false,
      hint: false,
      reason: 'nothing waits on a sync: the 422 only names the field',
    },
    {
      name: 'on finalize',
      finalizing: true,
      hint: true,
      reason: 'a deletion waits on finalize: the 422 (an Event on the parent) says how to delete without cleanup',
    },
  ])('$name: 422 ($reason)', async ({ finalizing, hint }) => {
    const request = compositeRequest(clusterThing, { parent: clusterThingParent({ namespaces: [] }), finalizing })
    const outcome = await runHook(clusterThing, finalizing ? 'finalize' : 'sync', request)
    expect(outcome).toMatchObject({ ok: false, status: 422 })
    if (outcome.ok) return
    expect(outcome.message).toMatch(/^invalid parent spec: spec\.namespaces/)
    expect(outcome.message.includes('remove the finalizer metacontroller.io/compositecontroller-cluster-thing')).toBe(hint)
  })
})
