// Prometheus metrics for the Node server (prom-client). Only hooks/core/node.ts imports this file,
// so the Worker bundle never carries prom-client (Workers have their own analytics).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { HookCall, Metrics } from './app.ts'

/** The process's own metrics (CPU, memory, event loop, GC): collected once per process, shared by every server in it. */
let processRegistry: Registry | undefined

const CHILD_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000]

export function prometheusMetrics(): Metrics {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  const registry = new Registry()
  const labelNames = ['controller', 'hook'] as const
  const calls = new Counter({
    name: 'metahooks_hook_requests_total',
    help: 'Hook calls answered, by controller, hook and HTTP status (304: an ETag hit).',
    labelNames: [...labelNames, 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'metahooks_hook_duration_seconds',
    help: 'Time from the request to the answer of a hook call, reading the body included.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const observed = new Histogram({
    name: 'metahooks_hook_observed_children',
    help: 'Children (or attachments) Metacontroller sent with a hook call.',
    labelNames,
    buckets: CHILD_BUCKETS,
    registers: [registry],
  })
  const desired = new Histogram({
    name: 'metahooks_hook_desired_children',
    help: 'Children (or attachments) a hook call answered with.',
    labelNames,
    buckets: CHILD_BUCKETS,
    registers: [registry],
  })
  const etagHits = new Counter({
    name: 'metahooks_etag_hits_total',
    help: 'Hook calls answered 304 Not Modified from the request ETag.',
    labelNames,
    registers: [registry],
  })
  const inFlight = new Gauge({
    name: 'metahooks_requests_in_flight',
    help: 'Requests being answered (health checks and scrapes not counted).',
    registers: [registry],
  })
  const refused = new Counter({
    name: 'metahooks_requests_refused_total',
    help: 'Requests refused before or instead of a hook call, by HTTP status (401 credentials, 408 slow body, 413 too large, 415 media type, 429 over a limit).',
    labelNames: ['status'],
    registers: [registry],
  })

  return {
    hookCall(call: HookCall) {
      const labels = { controller: call.controller, hook: call.hook }
      calls.inc({ ...labels, status: String(call.status) })
      duration.observe(labels, call.durationMs / 1000)
      if (call.status === 304) etagHits.inc(labels)
      if (call.observed !== undefined) observed.observe(labels, call.observed)
      if (call.desired !== undefined) desired.observe(labels, call.desired)
    },
    inFlight: (delta) => inFlight.inc(delta),
    refused: (status) => refused.inc({ status: String(status) }),
    async render() {
      const merged = Registry.merge([processRegistry!, registry])
      return { contentType: merged.contentType, body: await merged.metrics() }
    },
  }
}
