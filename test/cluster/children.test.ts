import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { childName } from '../../hooks/core/k8s/names.ts'
import { loadGoldenCases, runGoldenCase } from '../../hooks/core/testing/golden.ts'
import { render } from '../../hooks/core/testing/render.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { controllers } from '../../hooks/registry.ts'
import { ROOT } from '../fixtures/server.ts'
import { kubeConfig, objectsClient } from './client.ts'
import { childrenOf, refusedChildren } from './children.ts'
import { exampleParents } from '../fixtures/examples.ts'

// Every child any hook returns must be an object the real API server accepts: Metacontroller
// would otherwise retry it forever. The simulator's checks agree with us by construction; this
// asks kube-apiserver itself (server-side dry-run, strict field validation).

const client = objectsClient(kubeConfig(inject('cluster').open))

describe.each(controllers.map((c) => ({ name: c.name, definition: c })))(
  '$name: children the API server accepts',
  ({ name, definition }) => {
    const cases = loadGoldenCases(join(ROOT, 'test/golden', name)).filter((c) => !c.expectedError)

    it.skipIf(cases.length === 0)('every golden case', async () => {
      const refusals: string[] = []
      for (const c of cases) {
        const actual = await runGoldenCase(definition, c)
        if (!actual.ok) continue
        refusals.push(
          ...(await refusedChildren(client, definition, c.parent, childrenOf(actual.response))).map(
            (r) => `${c.name}: ${r}`,
          ),
        )
      }
      expect(refusals).toEqual([])
    })

    const parents = exampleParents(definition)
    it.skipIf(parents.length === 0)(
      'every round of a simulation from each example until quiet, then deleted',
      async () => {
        const refusals: string[] = []
        for (const { parent, objects } of parents) {
          const sim = new Simulation(definition, { parent, objects })
          for (let round = 0; round < 12; round++) {
            const result = await sim.step()
            refusals.push(
              ...(
                await refusedChildren(client, definition, sim.parent ?? parent, sim.children())
              ).map((r) => `round ${round + 1}: ${r}`),
            )
            if (result.actions.length === 0 && !result.error) break
          }
        }
        expect([...new Set(refusals)]).toEqual([])
      },
    )

    it.skipIf(parents.length === 0)(
      'parent names of 1, 63, 64, 200 and 253 characters',
      async () => {
        const refusals: string[] = []
        const { parent, objects } = parents[0]!
        for (const length of [1, 63, 64, 200, 253]) {
          // A legal name of that length, for the parent's kind (DNS-1123 subdomain; a label where the kind needs one).
          const base = childName(
            { apiVersion: parent.apiVersion, kind: parent.kind },
            'a'.repeat(length),
          )
          const named = { ...parent, metadata: { ...parent.metadata, name: base } } as KObject
          let rendered
          try {
            rendered = await render(definition, { parent: named, observed: objects })
          } catch (error) {
            // A 4xx (a singleton's required name, say) changes nothing in a cluster; a 5xx is a bug.
            if (!/answered 4\d\d/.test((error as Error).message))
              refusals.push(`${length}: ${(error as Error).message}`)
            continue
          }
          refusals.push(
            ...(
              await refusedChildren(client, definition, named, childrenOf(rendered.response))
            ).map((r) => `${length}: ${r}`),
          )
        }
        expect(refusals).toEqual([])
      },
    )
  },
)
