import * as z from 'zod'

/**
 * Schemas whose CRD stays open while the hook checks. `refusingObject`: the CRD keeps every field
 * (x-kubernetes-preserve-unknown-fields), so a client without strict field validation never has a
 * field pruned away silently (a spec written for another system — Argo's, say — keeps what the
 * controller does not run); the hook then refuses each field outside `shape` with one 422, naming
 * the feature when `refused` lists it, or as not a field of `what`.
 */
export function refusingObject<S extends z.ZodRawShape>(
  what: string,
  shape: S,
  refused: Record<string, string> = {},
) {
  return z
    .strictObject(shape, {
      error: (issue) => {
        if (issue.code !== 'unrecognized_keys') return undefined
        return issue.keys
          .map((key) =>
            key in refused
              ? `${key}: ${refused[key]} is not supported`
              : `${key}: not a field of ${what}`,
          )
          .join('; ')
      },
    })
    .meta({ 'x-kubernetes-preserve-unknown-fields': true })
}

/** A Kubernetes value passed through as is (affinity, tolerations, volumes, probes…): check the object it goes into (e.g. a Pod against kubernetes-models). */
export const passthrough = (description: string) => z.looseObject({}).describe(description)
export const passthroughList = (description: string) =>
  z.array(z.looseObject({})).describe(description)

/** IntOrString numbers as specs write them (`limit: "3"`, `factor: 2`). */
export const intOrString = () =>
  z.union([
    z.number().int().min(0),
    z.string().regex(/^\d+$/, { message: 'must be a whole number' }).transform(Number),
  ])
export const numberOrString = () =>
  z.union([
    z.number().min(0),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, { message: 'must be a number' })
      .transform(Number),
  ])
