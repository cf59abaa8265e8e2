import type { Context, MiddlewareHandler } from 'hono'

/**
 * Sheds load past `max` requests in flight with 429 + Retry-After, which Metacontroller honours
 * by re-queueing the parent after that many seconds (no backoff, no warning event). `max` 0 = off.
 */
export function concurrencyLimit(max: number, retryAfterSeconds = 1, discardBody: (c: Context) => Promise<void> = async () => {}): MiddlewareHandler {
  let inFlight = 0
  return async (c, next) => {
    if (max > 0 && inFlight >= max) {
      await discardBody(c)
      return c.text('too many concurrent requests', 429, { 'Retry-After': String(retryAfterSeconds) })
    }
    inFlight++
    try {
      await next()
    } finally {
      inFlight--
    }
  }
}
