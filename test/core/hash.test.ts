import { describe, expect, it } from 'vitest'
import { canonicalJson, fnv32a } from '../../hooks/core/k8s/hash.ts'

// Expected values from the FNV-1a definition (offset 0x811c9dc5, prime 0x01000193) over UTF-8 bytes,
// computed outside this code base; node ids and Pod names in stored statuses depend on them.
const FNV_CASES = [
  { name: 'empty', text: '', hash: '811c9dc5' },
  { name: 'one byte', text: 'a', hash: 'e40c292c' },
  { name: 'the published test vector', text: 'foobar', hash: 'bf9cf968' },
  { name: 'a node name (leading zero kept)', text: 'wf.d.t42', hash: '9f40de42' },
  { name: 'two-byte UTF-8', text: 'héllo', hash: '4aa48540' },
  { name: 'three-byte UTF-8', text: '日本', hash: '9f26ee51' },
  { name: 'long', text: 'x'.repeat(300), hash: '970138f5' },
]

describe('fnv32a', () => {
  it.each(FNV_CASES)('$name', ({ text, hash }) => {
    expect(fnv32a(text)).toBe(hash)
  })

  it('always gives 8 lowercase hex digits', () => {
    for (let i = 0; i < 2000; i++) expect(fnv32a(`n${i}`)).toMatch(/^[0-9a-f]{8}$/)
  })
})

describe('canonicalJson', () => {
  it('sorts object keys at every depth, so equal values give equal text', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }),
    )
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
  })
})
