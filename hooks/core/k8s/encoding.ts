import * as z from 'zod'

/** Base64 of a text's UTF-8 bytes (Secret `data`), the same on Node and Workers. */
export function toBase64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** The text in a Secret's base64 `data` value, or undefined when it is not valid base64 UTF-8. */
export function fromBase64(value: string): string | undefined {
  try {
    const binary = atob(value)
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    )
  } catch {
    return undefined
  }
}

/**
 * Secret data in the form the API server stores (base64 `data`, never `stringData`, which the
 * server converts — returning it would look like a change on every sync).
 */
export function secretData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, toBase64(v)]))
}

/** What a controller reads from an observed Secret: its base64 data. */
export const ObservedSecret = z.looseObject({ data: z.record(z.string(), z.string()).optional() })
