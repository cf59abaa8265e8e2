import type { IncomingHttpHeaders } from 'node:http'
import autocannon from 'autocannon'
import type { Seed } from './harness.ts'

// Load generation shared by the load test and `npm run soak`: autocannon cycling through valid
// requests for every controller, counting statuses and checking 429s carry Retry-After.

export interface LoadResult {
  requests: number
  statuses: Record<string, number>
  /** 429 answers without a Retry-After header. */
  missingRetryAfter: number
  errors: number
  timeouts: number
  p50: number
  p99: number
  max: number
}

export async function load(
  url: string,
  seeds: readonly Pick<Seed, 'path' | 'request'>[],
  options: {
    connections: number
    amount?: number
    duration?: number
    headers?: Record<string, string>
  },
): Promise<LoadResult> {
  const statuses: Record<string, number> = {}
  let missingRetryAfter = 0
  const onResponse = (
    status: number,
    _body: string,
    _context: object,
    headers: IncomingHttpHeaders | undefined,
  ) => {
    statuses[status] = (statuses[status] ?? 0) + 1
    if (status === 429 && !headers?.['retry-after']) missingRetryAfter++
  }
  const result = await autocannon({
    url,
    connections: options.connections,
    ...(options.amount !== undefined
      ? { amount: options.amount }
      : { duration: options.duration ?? 10 }),
    timeout: 20,
    requests: seeds.map((s) => ({
      method: 'POST' as const,
      path: s.path,
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(s.request),
      onResponse,
    })),
  })
  return {
    requests: Object.values(statuses).reduce((a, b) => a + b, 0),
    statuses,
    missingRetryAfter,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  }
}
