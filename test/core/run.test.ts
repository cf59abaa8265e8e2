import { describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { clusterThing, clusterThingParent } from '../fixtures/controllers.ts'

describe('runHook: an invalid spec', () => {
  it.each([
    {
      name: 'on sync',
      finalizing: false,
      expected: { ok: false, status: 422 },
      reason: 'the desired state cannot be computed: 422 naming the field, nothing changes',
    },
    {
      name: 'on finalize',
      finalizing: true,
      expected: { ok: true, status: 200, response: { children: [], finalized: true } },
      reason:
        'cleanup must not hang on a spec: this finalize needs none, so it runs (test/core/finalize.test.ts has one that does)',
    },
  ])('$name: $reason', async ({ finalizing, expected }) => {
    const request = compositeRequest(clusterThing, {
      parent: clusterThingParent({ namespaces: [] }),
      finalizing,
    })
    const outcome = await runHook(clusterThing, finalizing ? 'finalize' : 'sync', request)
    expect(outcome).toMatchObject(expected)
    if (!outcome.ok)
      expect(outcome.message).toBe(
        'invalid parent spec: spec.namespaces: Too small: expected array to have >=1 items',
      )
  })
})
