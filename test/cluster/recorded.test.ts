import { describe, expect, inject, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { controllers } from '../../hooks/registry.ts'
import { recordedChildren, RECORDED_CHILDREN_DIR } from '../fixtures/recorded.ts'
import { kubeConfig, objectsClient } from './client.ts'
import { refusedChildren } from './children.ts'

// Every child of every round of every simulation `npm test` ran (recorded by
// test/fixtures/record-children.ts), asked of the real API server.

const client = objectsClient(kubeConfig(inject('cluster').open))
const recorded = recordedChildren()

describe('children of every simulation round in the test suite', () => {
  it.skipIf(recorded.length === 0)(
    `the API server accepts all ${recorded.length} distinct children recorded in ${RECORDED_CHILDREN_DIR}`,
    async () => {
      const refusals: string[] = []
      for (const { controller, namespace, child } of recorded) {
        const definition = controllers.find((c) => c.name === controller)!
        const parent = {
          apiVersion: 'v1',
          kind: 'Parent',
          metadata: { name: 'recorded', ...(namespace && { namespace }) },
        } as KObject
        refusals.push(
          ...(await refusedChildren(client, definition, parent, [child])).map(
            (r) => `${controller}: ${r}`,
          ),
        )
      }
      expect(refusals).toEqual([])
    },
  )

  // Without a recording (`npm run test:cluster` on a fresh clone) the test above is skipped; CI,
  // which runs `npm test` first, requires one.
  it.runIf(recorded.length > 0 || process.env.METAHOOKS_REQUIRE_RECORDING === '1')(
    'a recording covers most controllers (run `npm test` before `npm run test:cluster`, as .ci/run does)',
    () => {
      expect(recorded.length, `nothing recorded in ${RECORDED_CHILDREN_DIR}`).toBeGreaterThan(100)
      expect(new Set(recorded.map((r) => r.controller)).size).toBeGreaterThan(
        controllers.length / 2,
      )
    },
  )
})
