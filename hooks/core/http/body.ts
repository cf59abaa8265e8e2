import type { Context } from 'hono'

/** A Node request stream, as @hono/node-server hands it over in `c.env.incoming`. */
interface NodeIncoming {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'end' | 'error' | 'aborted', listener: (error?: Error) => void): unknown
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  off(event: 'end' | 'error' | 'aborted', listener: (error?: Error) => void): unknown
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

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge'
}

/** The client closed the connection before its request body was complete. */
export class ClientGone extends Error {
  override name = 'ClientGone'
  constructor() {
    super('client disconnected before the request body was complete')
  }
}

/** The body had not fully arrived when the request's deadline passed. */
export class BodyTimeout extends Error {
  override name = 'BodyTimeout'
}

/** The body grew past what the byte budget could admit (a body of undeclared length). */
export class OverBudget extends Error {
  override name = 'OverBudget'
}

/** The server took the request's slot and bytes back for a newer one while the body was still arriving. */
export class Preempted extends Error {
  override name = 'Preempted'
}

export interface BodyLimits {
  /** At most this many bytes (BodyTooLarge past it). */
  max: number
  /** The whole body must have arrived within this many ms (BodyTimeout otherwise); 0 = no limit. */
  deadlineMs: number
  /** Asked each time the body grows: may it be `size` bytes? false ends the read with OverBudget. */
  admit?: (size: number) => boolean
  /** The read's handle for preemption: its `onPreempt` is set to end the read with Preempted. */
  preemptible?: { onPreempt: (ending: 'preempted') => void }
}

/** The body length the client declared, when it declared one. */
export function declaredLength(c: Context): number | undefined {
  const raw = c.req.header('content-length')
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined
}

/**
 * The request body as bytes, within its limits. On Node it is read straight from the
 * IncomingMessage: building a web Request and ReadableStream for it (what `c.req.arrayBuffer()`
 * — and hono's body-limit, which touches `c.req.raw.body` — do there) cost more than the whole hook
 * for small requests. On Workers it is read from the standard body stream.
 */
export async function readBody(c: Context, limits: BodyLimits): Promise<Uint8Array> {
  // A declared length over the limit is refused before a byte is read.
  if ((declaredLength(c) ?? 0) > limits.max) throw new BodyTooLarge()
  const incoming = nodeIncoming(c)
  return incoming && !incoming.readableEnded
    ? readNode(incoming, limits)
    : readStream(c.req.raw.body, limits)
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** Runs `onExpiry` after `ms` (never when ms is 0); returns the function that cancels it. */
function deadline(ms: number, onExpiry: () => void): () => void {
  if (ms <= 0) return () => {}
  const timer = setTimeout(onExpiry, ms)
  return () => clearTimeout(timer)
}

type Ending = 'end' | 'gone' | 'timeout' | 'stopped' | 'preempted'

/**
 * The deadlines of Node's reads, checked together by one timer every SWEEP_MS: a timer per request
 * cost more than the rest of reading a small body. (Workers keep a timer per read: a timer made in
 * one request may not act on another's stream there.)
 */
const SWEEP_MS = 100
const pendingReads = new Set<{ at: number; finish: (ending: Ending) => void }>()
let sweeper: ReturnType<typeof setInterval> | undefined

function sweepDeadlines(): void {
  const now = Date.now()
  for (const read of pendingReads) if (read.at <= now) read.finish('timeout')
  if (pendingReads.size === 0 && sweeper) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

/**
 * Reads a Node request stream until it ends, the client goes, the deadline passes, the read is
 * preempted, or `onChunk` returns false. Whatever is left stays unread (paused): @hono/node-server
 * drains it or closes the connection after the answer. Closures are kept few on purpose: tsx names
 * every one it creates, which showed in profiles of small requests.
 */
function drain(
  incoming: NodeIncoming,
  deadlineMs: number,
  onChunk: (chunk: Uint8Array) => boolean,
  preemptible?: { onPreempt: (ending: 'preempted') => void },
): Promise<Ending> {
  return new Promise<Ending>((resolve) => {
    let finished = false
    const finish = (ending: Ending) => {
      if (finished) return
      finished = true
      pendingReads.delete(read)
      if (ending !== 'end') incoming.pause()
      resolve(ending)
    }
    const read = { at: Date.now() + deadlineMs, finish }
    if (deadlineMs > 0) {
      pendingReads.add(read)
      if (!sweeper) {
        sweeper = setInterval(sweepDeadlines, SWEEP_MS)
        sweeper.unref?.()
      }
    }
    if (preemptible) preemptible.onPreempt = finish
    const gone = () => finish('gone')
    incoming.on('data', (chunk) => {
      if (!finished && !onChunk(chunk)) finish('stopped')
    })
    incoming.on('end', () => finish('end'))
    incoming.on('error', gone)
    incoming.on('aborted', gone)
    incoming.resume()
  })
}

async function readNode(
  incoming: NodeIncoming,
  { max, deadlineMs, admit, preemptible }: BodyLimits,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  let refusal: Error | undefined
  const ending = await drain(
    incoming,
    deadlineMs,
    (chunk) => {
      size += chunk.length
      if (size > max) refusal = new BodyTooLarge()
      else if (admit && !admit(size)) refusal = new OverBudget()
      else {
        chunks.push(chunk)
        return true
      }
      return false
    },
    preemptible,
  )
  if (ending === 'end') return concat(chunks, size)
  throw ending === 'timeout'
    ? new BodyTimeout()
    : ending === 'gone'
      ? new ClientGone()
      : ending === 'preempted'
        ? new Preempted()
        : refusal!
}

async function readStream(
  body: ReadableStream<Uint8Array> | null,
  { max, deadlineMs, admit, preemptible }: BodyLimits,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  // Why the read was cut short from outside (the deadline, a preemption), if it was.
  let stopped: Error | undefined
  const stop = (error: Error) => {
    stopped ??= error
    reader.cancel().catch(() => {})
  }
  const cancelDeadline = deadline(deadlineMs, () => stop(new BodyTimeout()))
  if (preemptible) preemptible.onPreempt = () => stop(new Preempted())
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        throw stopped ?? error
      })
      if (stopped) throw stopped
      if (done) return concat(chunks, size)
      size += value.length
      if (size > max) throw new BodyTooLarge()
      if (admit && !admit(size)) throw new OverBudget()
      chunks.push(value)
    }
  } catch (error) {
    if (error !== stopped) reader.cancel().catch(() => {})
    throw error
  } finally {
    cancelDeadline()
  }
}

/**
 * Reads and discards the request body (at most `max` bytes, until the deadline) so a refusal sent
 * before the body was read — a 429 under load — leaves the keep-alive connection usable. Otherwise
 * the server has to close it under a client still sending, and the client may see a reset instead
 * of the answer.
 */
export async function discardBody(c: Context, max: number, deadlineMs: number): Promise<void> {
  const incoming = nodeIncoming(c)
  // A fetch runtime (Workers) drops an unread body itself; cancelling it mid-upload can break the connection.
  if (!incoming || incoming.readableEnded) return
  let size = 0
  // Past the limit, stop reading: the server then closes the connection instead.
  await drain(incoming, deadlineMs, (chunk) => (size += chunk.length) <= max)
}
