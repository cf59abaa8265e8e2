/**
 * SHA-256 hex of a text, with Web Crypto (the same on Node and Workers). Used for content hashes
 * in annotations (roll a Deployment when its config changes) and stable names (a Job per spec).
 */
export async function sha256Hex(text: string, length = 64): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  )
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
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** 32-bit FNV-1a of a text's UTF-8 bytes, as 8 hex digits: short stable hashes for names (synchronous, unlike Web Crypto). */
export function fnv32a(text: string): string {
  // ASCII is its own UTF-8: hash the char codes without encoding (names are nearly always ASCII).
  // This runs for every node of a 10,000-task workflow on every sync, hence the table-driven hex.
  let h = FNV_OFFSET
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return fnv32aBytes(encoder.encode(text))
    h = Math.imul(h ^ c, FNV_PRIME)
  }
  return hex32(h)
}

function fnv32aBytes(bytes: Uint8Array): string {
  let h = FNV_OFFSET
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME)
  return hex32(h)
}

const hex32 = (h: number) =>
  HEX[h >>> 24]! + HEX[(h >>> 16) & 255]! + HEX[(h >>> 8) & 255]! + HEX[h & 255]!
