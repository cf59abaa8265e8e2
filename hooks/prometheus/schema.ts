import * as z from 'zod'
import { containerResources, image, labelSelector } from 'metahooks'

const Selector = labelSelector()

/** Prometheus (monitoring.metahooks.dev/v1): a Prometheus scraping the Services its selectors pick. */
export const PrometheusSpec = z.object({
  serviceMonitorSelector: Selector.describe(
    'Services with these labels are scraped, one job per port.',
  ),
  serviceMonitorNamespaceSelector: Selector.optional().describe(
    'Namespaces to look in ({} = all); without it, only this namespace.',
  ),
  image: image().default('prom/prometheus:v2.53.0'),
  scrapeInterval: z
    .string()
    .regex(/^\d+(s|m)$/, { message: 'must be like 15s or 1m' })
    .default('30s'),
  retention: z
    .string()
    .regex(/^\d+(h|d|w)$/, { message: 'must be like 12h, 15d or 2w' })
    .default('15d'),
  resources: containerResources().optional(),
})
export type PrometheusSpec = z.output<typeof PrometheusSpec>

export const ObservedService = z.looseObject({
  spec: z
    .looseObject({
      ports: z.array(z.looseObject({ name: z.string().optional(), port: z.number() })).optional(),
    })
    .optional(),
})
export type ObservedService = z.output<typeof ObservedService>
