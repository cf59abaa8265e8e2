import type { CompositeDefinition, ControllerDefinition, CustomResource } from '../define.ts'
import { structuralSchema } from './schema.ts'

export const MANAGED_BY = { 'app.kubernetes.io/part-of': 'metahooks' }

/**
 * The CustomResourceDefinition for a composite controller's parent: names, scope and printer
 * columns from the definition, the spec schema from zod, status open (it is whatever the hook
 * returns) and the status subresource on (Metacontroller refuses parents without it).
 */
export function crdFor(definition: CompositeDefinition): Record<string, unknown> {
  return crdForResource(definition.parent, definition.name, true)
}

/** The CRDs of the custom resources a controller defines without reconciling them (its parents refer to them). */
export function customResourceCrds(definition: ControllerDefinition): Record<string, unknown>[] {
  return (definition.customResources ?? []).map((r) => crdForResource(r, definition.name, false))
}

function crdForResource(
  p: CustomResource,
  controller: string,
  statusSubresource: boolean,
): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${p.plural}.${p.group}`,
      labels: { ...p.labels, ...MANAGED_BY, 'metahooks.dev/controller': controller },
    },
    spec: {
      group: p.group,
      scope: p.scope,
      names: {
        kind: p.kind,
        listKind: `${p.kind}List`,
        plural: p.plural,
        singular: p.singular,
        ...(p.shortNames?.length && { shortNames: p.shortNames }),
        ...(p.categories?.length && { categories: p.categories }),
      },
      versions: [
        {
          name: p.version,
          served: true,
          storage: true,
          ...(statusSubresource && { subresources: { status: {} } }),
          ...(p.printerColumns?.length && { additionalPrinterColumns: p.printerColumns }),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: structuralSchema(p.spec),
                ...(statusSubresource && {
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                }),
              },
            },
          },
        },
      ],
    },
  }
}
