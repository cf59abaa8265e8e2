/**
 * ETags derived from the request, not the response: `sha256(code version, route, body)`.
 * Metacontroller keys its cache by parent kind/namespace/name only and never compares anything
 * itself, so the hook alone must decide "not modified". Because hooks are deterministic, an
 * identical body under identical code yields an identical response, so a matching ETag can be
 * answered 304 without parsing or running the controller. Different revisions of a parent during a
 * rolling update send different bodies and so never share an ETag.
 */
/** SHA-256 over the concatenation of `parts`; incremental where the runtime allows (no copy of the body). */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array | Promise<Uint8Array>

/** Web Crypto has no incremental digest, so the parts are joined first (Workers). */
export const webCryptoSha256: Sha256 = async (parts) => {
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    data.set(p, offset)
    offset += p.length
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data))
}

const encoder = new TextEncoder()

export async function requestEtag(
  version: string,
  route: string,
  body: Uint8Array,
  sha256: Sha256 = webCryptoSha256,
): Promise<string> {
  const digest = await sha256([encoder.encode(`${version}\n${route}\n`), body])
  let hex = ''
  for (let i = 0; i < 16; i++) hex += digest[i]!.toString(16).padStart(2, '0')
  return `"${hex}"`
}

/**
 * True when If-None-Match lists this ETag (weak comparison, as RFC 9110 asks). `*` is not honoured:
 * it would answer 304 to a body we never validated, and Metacontroller never sends it.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}
