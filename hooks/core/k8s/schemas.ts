import * as z from 'zod'

/**
 * zod building blocks for specs that end up in Kubernetes objects, so an impossible value is a
 * 422 from the hook (and a CRD validation error) instead of a child the API server rejects.
 */

/** RFC 1123 label: namespace names, Service names, container names (max 63). */
export const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      message:
        'must be lowercase letters, digits and "-", starting and ending with a letter or digit',
    })

/** A label value: up to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric (or empty). */
export const labelValue = () =>
  z
    .string()
    .max(63)
    .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, {
      message: 'must be a valid label value (letters, digits, "-", "_", "."; at most 63)',
    })

/**
 * A string the API server checks against one of its formats (`email`, `uri`, `uuid`, …), which the
 * hook leaves alone: zod's own format checks differ from the API server's (`someone@localhost` and
 * `Some One <someone@example.com>` are emails there, not to z.email()), and the CRD and the hook
 * must agree on what a valid spec is. The generated CRD refuses zod's format checks for that reason.
 */
export const apiServerFormat = (
  format:
    | 'email'
    | 'uri'
    | 'uuid'
    | 'hostname'
    | 'ipv4'
    | 'ipv6'
    | 'cidr'
    | 'mac'
    | 'date-time'
    | 'duration',
) => z.string().meta({ format })

/** A resource quantity such as `8Gi`, `500m`, `1`. */
export const quantity = () =>
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, {
    message: 'must be a Kubernetes quantity such as 500m, 1Gi or 2',
  })

/** A container image reference (no whitespace). */
export const image = () =>
  z
    .string()
    .regex(/^[^\s]+$/, { message: 'must be a container image reference without whitespace' })

/** A label (or annotation) key: an optional DNS prefix and "/", then a name of up to 63. */
export const labelKey = () =>
  z
    .string()
    .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
      message: 'must be a label key',
    })

/**
 * A labels map as the API server holds it: what a controller copies from an observed or related
 * object into a child declares it with this, so a request carrying labels no object can have is a
 * 400 naming the object rather than a child the response check has to refuse (500).
 */
export const labels = () => z.record(labelKey(), labelValue())

/** RFC 1123 subdomain: most object names (StorageClass, Secret, ConfigMap), up to 253. */
export const dnsSubdomain = () =>
  z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      message: 'must be a lowercase RFC 1123 subdomain (letters, digits, "-" and ".")',
    })

/** A container resource name: cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended resource. */
export const resourceName = () =>
  z
    .string()
    .regex(
      /^(cpu|memory|ephemeral-storage|hugepages-[0-9]+(Ki|Mi|Gi)|[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/,
      {
        message:
          'must be cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed extended resource',
      },
    )

/** A container's `resources`: requests and limits by resource name. */
export const containerResources = () =>
  z.object({
    requests: z.record(resourceName(), quantity()).optional(),
    limits: z.record(resourceName(), quantity()).optional(),
  })

/** A label selector whose keys and values the API server would accept (the CRD checks its shape, the hook the rest). */
export const labelSelector = () =>
  z.object({
    matchLabels: z.record(labelKey(), labelValue()).optional(),
    matchExpressions: z
      .array(
        z.object({
          key: labelKey(),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.array(labelValue()).optional(),
        }),
      )
      .optional(),
  })

/** A quantity greater than zero, as a volume size must be (checked by the hook; not expressible in RE2 without lookahead). */
export const positiveQuantity = () =>
  quantity().refine((q) => /[1-9]/.test(/^[0-9.]+/.exec(q)?.[0] ?? ''), {
    message: 'must be greater than zero',
  })
