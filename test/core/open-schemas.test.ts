import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { structuralSchema } from '../../hooks/core/manifests/schema.ts'
import { intOrString, passthrough, refusingObject } from '../../hooks/core/k8s/open-schemas.ts'

const Spec = refusingObject(
  'a spec',
  {
    name: z.string(),
    limit: intOrString().optional(),
    affinity: passthrough('an Affinity').optional(),
  },
  { artifacts: 'artifacts (next version)' },
)

describe('refusingObject: the CRD keeps every field, the hook refuses the ones it does not run', () => {
  it('its CRD schema types the known fields and keeps unknown ones (never pruned before the hook sees them)', () => {
    expect(structuralSchema(Spec)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        limit: { 'x-kubernetes-int-or-string': true },
        affinity: {
          type: 'object',
          properties: {},
          description: 'an Affinity',
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
      required: ['name'],
      'x-kubernetes-preserve-unknown-fields': true,
    })
  })

  it.each([
    {
      name: 'a listed feature is named as unsupported',
      value: { name: 'x', artifacts: [] },
      message: 'artifacts: artifacts (next version) is not supported',
    },
    {
      name: 'anything else is not a field',
      value: { name: 'x', nmae: 'y' },
      message: 'nmae: not a field of a spec',
    },
    {
      name: 'both, in one message',
      value: { name: 'x', artifacts: [], nmae: 'y' },
      message: 'artifacts: artifacts (next version) is not supported; nmae: not a field of a spec',
    },
  ])('$name', ({ value, message }) => {
    const parsed = Spec.safeParse(value)
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([message])
  })

  it('takes IntOrString numbers as numbers and passes Kubernetes values through', () => {
    expect(Spec.parse({ name: 'x', limit: '3', affinity: { nodeAffinity: { any: 1 } } })).toEqual({
      name: 'x',
      limit: 3,
      affinity: { nodeAffinity: { any: 1 } },
    })
  })
})
