import type { Context } from 'hono'

/** A Node request stream, as @hono/node-server hands it over in `c.env.incoming`. */
interface NodeIncoming {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'end' | 'error' | 'aborted', listener: (error?: Error) => void): unknown
  resume(): unknown
  pause(): unknown
  readableEnded?: boolean
  /** A TLS socket says whether the client certificate was verified (mTLS). */
  socket?: { authorized?: boolean }
}

/** The Node request behind a hono context, when the app runs on @hono/node-server. */
export function nodeIncoming(c: Context): NodeIncoming | undefined {
  return (c.env as { incoming?: NodeIncoming } | undefined)?.incoming
}

export class BodyTooLarge extends Error {}

/** The client closed the connection before its request body was complete. */
export class ClientGone extends Error {
  constructor() {
    super('client disconnected before the request body was complete')
  }
}

/**
 * The request body as bytes, at most `max` of them (413 otherwise). On Node it is read straight
 * from the IncomingMessage: building a web Request and ReadableStream for it (what
 * `c.req.arrayBuffer()` — and hono's body-limit, which touches `c.req.raw.body` — do there) cost
 * more than the whole hook for small requests. On Workers it is the standard body.
 */
export async function readBody(c: Context, max: number): Promise<Uint8Array> {
  // A declared length over the limit is refused before a byte is read.
  if (Number(c.req.header('content-length') ?? 0) > max) throw new BodyTooLarge()
  const incoming = nodeIncoming(c)
  if (!incoming || incoming.readableEnded) {
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    if (bytes.length > max) throw new BodyTooLarge()
    return bytes
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    let failed = false
    incoming.on('data', (chunk) => {
      if (failed) return
      size += chunk.length
      if (size > max) {
        failed = true
        reject(new BodyTooLarge())
        return
      }
      chunks.push(chunk)
    })
    incoming.on('end', () => {
      if (failed) return
      const out = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        out.set(chunk, offset)
        offset += chunk.length
      }
      resolve(out)
    })
    const gone = () => {
      if (failed) return
      failed = true
      reject(new ClientGone())
    }
    incoming.on('error', gone)
    incoming.on('aborted', gone)
    incoming.resume()
  })
}

/**
 * Reads and discards the request body (at most `max` bytes) so a refusal sent before the body was
 * read — a 429 under load — leaves the keep-alive connection usable. Otherwise the server has to
 * close it under a client still sending, and the client may see a reset instead of the 429.
 */
export async function discardBody(c: Context, max: number): Promise<void> {
  const incoming = nodeIncoming(c)
  if (!incoming) {
    await c.req.raw.body?.cancel().catch(() => {})
    return
  }
  if (incoming.readableEnded) return
  await new Promise<void>((resolve) => {
    let size = 0
    incoming.on('data', (chunk) => {
      size += chunk.length
      if (size > max) {
        // Past the limit, stop reading: the server then closes the connection instead.
        incoming.pause()
        resolve()
      }
    })
    incoming.on('end', () => resolve())
    incoming.on('error', () => resolve())
    incoming.on('aborted', () => resolve())
    incoming.resume()
  })
}
