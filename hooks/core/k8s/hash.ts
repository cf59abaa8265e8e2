/**
 * SHA-256 hex of a text, with Web Crypto (the same on Node and Workers). Used for content hashes
 * in annotations (roll a Deployment when its config changes) and stable names (a Job per spec).
 */
export async function sha256Hex(text: string, length = 64): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex.slice(0, length)
}

/** JSON with object keys sorted: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

const encoder = new TextEncoder()

/** 32-bit FNV-1a of a text's UTF-8 bytes, as 8 hex digits: short stable hashes for names (synchronous, unlike Web Crypto). */
export function fnv32a(text: string): string {
  let h = 0x811c9dc5
  // ASCII is its own UTF-8: hash the char codes without encoding (names are nearly always ASCII).
  let ascii = true
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80
  const bytes: ArrayLike<number> = ascii ? { length: text.length } : encoder.encode(text)
  for (let i = 0; i < bytes.length; i++) {
    h ^= ascii ? text.charCodeAt(i) : bytes[i]!
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}
