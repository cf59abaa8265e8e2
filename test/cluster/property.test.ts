import fc from 'fast-check'
import type { KubernetesObject } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { CompositeDefinition } from '../../hooks/core/define.ts'
import { crdFor } from '../../hooks/core/manifests/crd.ts'
import type { SchemaProps } from '../../hooks/core/manifests/schema.ts'
import { childName } from '../../hooks/core/k8s/names.ts'
import { render } from '../../hooks/core/testing/render.ts'
import { controllers } from '../../hooks/registry.ts'
import { fromSchema } from './arbitrary.ts'
import { dryRunCreate, kubeConfig, objectsClient } from './client.ts'
import { childrenOf, ensureNamespace, refusedChildren } from './children.ts'
import { exampleObjects } from '../fixtures/examples.ts'

// Parents generated from each controller's own spec schema (the CRD generated from its zod spec),
// with names of every legal length: the API server accepts the parent (it is the oracle of what
// can exist), and then every child the hook returns is accepted too — or the hook answered 4xx,
// which changes nothing in a cluster. A 200 with a child the API server refuses is a bug.

const client = objectsClient(kubeConfig(inject('cluster').open))
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261129
    : undefined
const RUNS = Number(process.env.CLUSTER_PROPERTY_RUNS ?? 25)
const composites = controllers.filter((c): c is CompositeDefinition => c.type === 'composite')
const world = exampleObjects().map((e) => e.object)

describe.each(composites.map((c) => ({ name: c.name, definition: c })))(
  '$name: generated parents',
  ({ definition }) => {
    it(`${RUNS} parents from the spec schema: every child accepted, or a 4xx`, async () => {
      const crd = crdFor(definition) as {
        spec: {
          versions: {
            schema: { openAPIV3Schema: SchemaProps & { properties: { spec?: SchemaProps } } }
          }[]
        }
      }
      const specSchema = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec ?? {
        type: 'object',
      }
      const namespaced = definition.parent.scope === 'Namespaced'
      if (namespaced) await ensureNamespace(client, 'generated')
      const tally = { refusedParent: 0, hook4xx: 0, accepted: 0, lastRefusal: '' }
      await fc.assert(
        fc.asyncProperty(
          fromSchema(specSchema),
          fc.integer({ min: 1, max: 253 }),
          async (spec, length) => {
            const name = childName(
              { apiVersion: definition.parent.apiVersion, kind: definition.parent.kind },
              'g'.repeat(length),
            )
            const parent = {
              apiVersion: definition.parent.apiVersion,
              kind: definition.parent.kind,
              metadata: { name, ...(namespaced && { namespace: 'generated' }) },
              spec,
            } as KObject
            const refusal = await dryRunCreate(client, parent as KubernetesObject)
            if (refusal) {
              tally.refusedParent++
              tally.lastRefusal = refusal.slice(0, 300)
              return
            }
            let rendered
            try {
              rendered = await render(definition, { parent, observed: world })
            } catch (error) {
              const message = (error as Error).message
              expect(message, JSON.stringify(spec)).toMatch(/answered 4\d\d/)
              tally.hook4xx++
              return
            }
            expect(
              await refusedChildren(client, definition, parent, childrenOf(rendered.response)),
              JSON.stringify(spec),
            ).toEqual([])
            tally.accepted++
          },
        ),
        { numRuns: RUNS, seed, endOnFailure: true },
      )
      // The generator must make parents the API server takes, or the property proves little (not
      // all: formats, lengths of generated names against the kind's limits).
      expect(tally.accepted + tally.hook4xx, JSON.stringify(tally)).toBeGreaterThanOrEqual(RUNS / 4)
    })
  },
)
