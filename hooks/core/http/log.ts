/** One JSON object per line; the Node server writes to stdout, Workers to the console. */
export type LogLine = Record<string, unknown>
export type Logger = (line: LogLine) => void

export const consoleLogger: Logger = (line) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line }))

export const silentLogger: Logger = () => {}

/** The message of a thrown value, without its stack, for the log line (never the response). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}
