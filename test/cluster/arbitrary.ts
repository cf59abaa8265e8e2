import fc from 'fast-check'
import type { SchemaProps } from '../../hooks/core/manifests/schema.ts'

/**
 * Values for a structural CRD schema (what `metahooks manifests` generates from a controller's zod
 * spec): enums, patterns, bounds, required fields, maps and int-or-string, small and biased
 * towards the edges. Not every value is one the API server accepts (formats, CEL); callers ask it.
 */
export function fromSchema(schema: SchemaProps, depth = 0): fc.Arbitrary<unknown> {
  const s = schema as Record<string, any>
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum)
  if (s['x-kubernetes-int-or-string'])
    return fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constantFrom('1', '50%', '3'))
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf))
    return fc.oneof(
      ...(s.anyOf ?? s.oneOf).map((x: SchemaProps) =>
        fromSchema({ ...s, anyOf: undefined, oneOf: undefined, ...x }, depth),
      ),
    )
  switch (s.type) {
    case 'string':
      return stringFor(s)
    case 'integer':
      return fc.integer({
        min: s.minimum ?? -5,
        max: s.maximum ?? Math.max(s.minimum ?? 0, 0) + 100,
      })
    case 'number':
      return fc.double({
        min: s.minimum ?? -100,
        max: s.maximum ?? 100,
        noNaN: true,
        noDefaultInfinity: true,
      })
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(s.items ? fromSchema(s.items, depth + 1) : fc.string(), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, depth > 3 ? 1 : 3),
      })
    case 'object':
    default: {
      if (s.properties) {
        const required = new Set<string>(s.required ?? [])
        const keys = Object.keys(s.properties)
        return fc.record(
          Object.fromEntries(keys.map((k) => [k, fromSchema(s.properties[k], depth + 1)])),
          { requiredKeys: keys.filter((k) => required.has(k)) },
        )
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_-]{0,14}$/),
          fromSchema(s.additionalProperties, depth + 1),
          { maxKeys: 3 },
        )
      }
      return fc.constant({})
    }
  }
}

function stringFor(s: Record<string, any>): fc.Arbitrary<string> {
  const max = s.maxLength ?? 40
  const fits = (v: string) => v.length >= (s.minLength ?? 0) && v.length <= max
  if (s.format === 'date-time')
    return fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'))
  if (s.format === 'date')
    return fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10))
  if (s.format === 'email') return fc.emailAddress().filter(fits)
  // CRD patterns are RE2, where \s is [\t\n\f\r ] only; JavaScript's \s also matches \v and
  // Unicode spaces, which the API server would then refuse. (JS's \S is a subset of RE2's: fine.)
  if (typeof s.pattern === 'string')
    return fc.stringMatching(new RegExp(re2Spaces(s.pattern))).filter(fits)
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(max, 40) })
}

/** A pattern with RE2's meaning of `\s` (ASCII whitespace only), inside and outside character classes. */
function re2Spaces(pattern: string): string {
  let out = ''
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\') {
      const next = pattern[i + 1]
      out += next === 's' ? (inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]') : `${c}${next ?? ''}`
      i++
    } else {
      if (c === '[') inClass = true
      else if (c === ']') inClass = false
      out += c
    }
  }
  return out
}
