/**
 * Throw from a hook to answer with a specific status instead of 500: Metacontroller then keeps
 * every child as it is and retries with backoff. The message becomes the response body and a
 * Kubernetes event, so keep it short and free of secrets.
 */
export class HookError extends Error {
  readonly status: number
  constructor(status: 400 | 409 | 422 | 500 | 503, message: string) {
    super(message)
    this.name = 'HookError'
    this.status = status
  }
}

/** The parent's spec is well-typed but cannot be acted on (e.g. an unparsable duration): 422. */
export function invalidSpec(field: string, message: string): never {
  throw new HookError(422, `invalid parent spec: spec.${field}: ${message}`)
}
