import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type * as z from 'zod'
import {
  isCompositeHookRequest,
  isCompositeHookResponse,
  isCustomizeHookRequest,
  isDecoratorHookRequest,
  isDecoratorHookResponse,
} from '../../hooks/core/contract/guards.ts'
import {
  CompositeHookRequest,
  CustomizeHookRequest,
  DecoratorHookRequest,
} from '../../hooks/core/contract/requests.ts'
import {
  CompositeHookResponse,
  DecoratorHookResponse,
} from '../../hooks/core/contract/responses.ts'
import { compositeRequest, decoratorRequest } from '../../hooks/core/testing/requests.ts'
import mypod from '../../hooks/mypod/index.ts'
import { configMap, labeler } from '../fixtures/controllers.ts'
import { damaged } from '../fixtures/mutate.ts'
import { myPodParent, observedPod, NOTES_POD } from '../fixtures/mypod.ts'

// The guards skip zod on the hot path, so each must never accept what its schema refuses: one
// accepted-but-invalid input would reach a controller unchecked.

const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261123
    : undefined

const composite = compositeRequest(mypod, {
  parent: myPodParent(),
  observed: [observedPod(NOTES_POD, { phase: 'Running' })],
})
const decorator = decoratorRequest(labeler, {
  parent: configMap('cm', 'default', { 'labeler.test/enabled': 'true', 'labeler.test/team': 'a' }),
  observed: [],
})
const customize = { controller: composite.controller, parent: composite.parent }
const compositeResponse = {
  status: { ready: true },
  children: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
  resyncAfterSeconds: 5,
}
const decoratorResponse = {
  labels: { a: 'b', gone: null },
  annotations: {},
  status: null,
  attachments: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
  finalized: false,
}

const cases: { name: string; guard: (v: unknown) => boolean; schema: z.ZodType; valid: unknown }[] =
  [
    {
      name: 'composite request',
      guard: isCompositeHookRequest,
      schema: CompositeHookRequest,
      valid: composite,
    },
    {
      name: 'decorator request',
      guard: isDecoratorHookRequest,
      schema: DecoratorHookRequest,
      valid: decorator,
    },
    {
      name: 'customize request',
      guard: isCustomizeHookRequest,
      schema: CustomizeHookRequest,
      valid: customize,
    },
    {
      name: 'composite response',
      guard: isCompositeHookResponse,
      schema: CompositeHookResponse,
      valid: compositeResponse,
    },
    {
      name: 'decorator response',
      guard: isDecoratorHookResponse,
      schema: DecoratorHookResponse,
      valid: decoratorResponse,
    },
  ]

describe('fast guards agree with the zod schemas', () => {
  it.each(cases)('$name: a valid document takes the fast path', ({ guard, schema, valid }) => {
    expect(schema.safeParse(valid).success).toBe(true)
    expect(guard(valid)).toBe(true)
  })

  it.each(cases)(
    '$name: the guard never accepts what the schema refuses (damaged documents)',
    ({ guard, schema, valid }) => {
      let accepted = 0
      fc.assert(
        fc.property(damaged(valid), (doc) => {
          if (guard(doc)) {
            accepted++
            expect(schema.safeParse(doc).success, JSON.stringify(doc).slice(0, 300)).toBe(true)
          }
        }),
        { numRuns: 600, seed },
      )
      // Many damaged documents are still valid (an extra label, a changed string): the guard must take them too.
      expect(accepted).toBeGreaterThan(0)
    },
  )

  it.each(cases)(
    '$name: the guard never accepts what the schema refuses (arbitrary values)',
    ({ guard, schema }) => {
      fc.assert(
        fc.property(
          fc.anything({ withObjectString: true, withNullPrototype: true, withSparseArray: true }),
          (doc) => {
            if (guard(doc)) expect(schema.safeParse(doc).success).toBe(true)
          },
        ),
        { numRuns: 300, seed },
      )
    },
  )

  it.each([
    {
      name: 'labels with a number value',
      doc: {
        ...composite,
        parent: {
          ...composite.parent,
          metadata: { ...composite.parent.metadata, labels: { a: 1 } },
        },
      },
    },
    {
      name: 'generation as a string',
      doc: {
        ...composite,
        parent: {
          ...composite.parent,
          metadata: { ...composite.parent.metadata, generation: '1' },
        },
      },
    },
    { name: 'finalizing missing', doc: { ...composite, finalizing: undefined } },
    { name: 'children as an array', doc: { ...composite, children: [] } },
    {
      name: 'a class instance as the parent',
      doc: { ...composite, parent: Object.assign(new (class P {})(), composite.parent) },
    },
  ])('composite request refused by the guard: $name', ({ doc }) => {
    expect(isCompositeHookRequest(doc)).toBe(false)
  })
})
