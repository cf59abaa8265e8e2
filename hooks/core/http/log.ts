/** One JSON object per line; the Node server writes to stdout, Workers to the console. */
export type LogLine = Record<string, unknown>
export type Logger = (line: LogLine) => void

export const consoleLogger: Logger = (line) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), ...line }))

/** The message of a thrown value, without its stack, for the log line (never the response). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/**
 * One JSON line per call, written in batches: the lines of one turn of the event loop go out in
 * one write. Under load this saves a write per request (about a tenth of a small sync's cost).
 */
export function batchedLogger(write: (text: string) => void): Logger & { flush(): void } {
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = `${pending.join('\n')}\n`
    pending = []
    write(text)
  }
  const log = ((line: LogLine) => {
    pending.push(JSON.stringify({ time: new Date().toISOString(), ...line }))
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }) as Logger & { flush(): void }
  log.flush = flush
  return log
}
