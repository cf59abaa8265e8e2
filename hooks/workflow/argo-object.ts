import * as z from 'zod'

/**
 * An object of Argo's spec. The CRD keeps every field (x-kubernetes-preserve-unknown-fields), so
 * a client without strict field validation never has an Argo feature pruned away silently; the
 * hook then refuses any field it does not support — naming the feature when Argo has it, or as
 * unknown when Argo does not — with one 422, instead of running the workflow without it.
 */
export function argoObject<S extends z.ZodRawShape>(what: string, shape: S, unsupported: Record<string, string> = {}) {
  return z
    .strictObject(shape, {
      error: (issue) => {
        if (issue.code !== 'unrecognized_keys') return undefined
        return issue.keys
          .map((key) => (key in unsupported ? `${key}: ${unsupported[key]} is not supported` : `${key}: not a field of ${what}`))
          .join('; ')
      },
    })
    .meta({ 'x-kubernetes-preserve-unknown-fields': true })
}

/** A Kubernetes value passed through as is (affinity, tolerations, volumes, probes…): the built Pod is checked against the Kubernetes schema. */
export const kubernetes = (description: string) => z.looseObject({}).describe(description)
export const kubernetesList = (description: string) => z.array(z.looseObject({})).describe(description)

/** Argo's IntOrString numbers (`limit: "3"`, `factor: 2`). */
export const intOrString = () => z.union([z.number().int().min(0), z.string().regex(/^\d+$/, { message: 'must be a whole number' }).transform(Number)])
export const numberOrString = () => z.union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?$/, { message: 'must be a number' }).transform(Number)])
