import * as z from 'zod'

/** A node of a Kubernetes CRD openAPIV3Schema (JSONSchemaProps). */
export type SchemaProps = { [key: string]: unknown }

const PRESERVE = 'x-kubernetes-preserve-unknown-fields'
/** Formats the API server knows; zod's others (e.g. starts_with) are left to their pattern. */
const KUBERNETES_FORMATS = new Set([
  'date',
  'date-time',
  'datetime',
  'email',
  'uri',
  'uuid',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'byte',
  'password',
  'duration',
])
const DROP_KEYS = new Set(['$schema', 'additionalProperties', 'id'])
/** Formats whose zod check accepts exactly what the API server's does (a calendar date, YYYY-MM-DD). */
const AGREEING_FORMATS = new Set(['date'])

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function open(description?: unknown): SchemaProps {
  return { ...(typeof description === 'string' && { description }), [PRESERVE]: true }
}

/**
 * Turns zod's OpenAPI 3.0 output into a Kubernetes structural schema: every node typed; a free
 * value (`z.unknown()`) becomes `x-kubernetes-preserve-unknown-fields` — the only place the CRD
 * is deliberately open; records become `additionalProperties` maps; `additionalProperties: false`
 * (strict objects) is dropped because the API server prunes unknown fields anyway; a format's
 * generated pattern is dropped in favour of the format; unions of one type merge into an enum.
 */
function toStructural(node: unknown, path: string): SchemaProps {
  if (!isObject(node)) throw new Error(`${path}: not a schema`)
  if (node.$ref || node.$defs || node.definitions)
    throw new Error(`${path}: recursive or referenced schemas cannot be a CRD schema`)
  if (Array.isArray(node.allOf)) {
    if (node.allOf.length === 1)
      return toStructural(
        {
          ...node.allOf[0],
          ...(node.description !== undefined && { description: node.description }),
        },
        path,
      )
    throw new Error(`${path}: an intersection cannot be a structural CRD schema; merge the objects`)
  }
  const union = (node.anyOf ?? node.oneOf) as unknown[] | undefined
  if (union) {
    const branches = union.map((b, i) => toStructural(b, `${path}[${i}]`))
    const types = new Set(branches.map((b) => b.type))
    // int | string is Kubernetes' IntOrString.
    if (
      [...types].every((t) => t === 'integer' || t === 'number' || t === 'string') &&
      types.has('string') &&
      types.size === 2
    ) {
      return {
        'x-kubernetes-int-or-string': true,
        ...(node.description !== undefined && { description: node.description }),
      }
    }
    if (types.size === 1 && branches.every((b) => Array.isArray(b.enum))) {
      return {
        type: branches[0]!.type,
        enum: branches.flatMap((b) => b.enum as unknown[]),
        ...(node.description !== undefined && { description: node.description }),
      }
    }
    throw new Error(
      `${path}: a union of different shapes cannot be a structural CRD schema; use one object with optional fields`,
    )
  }
  if (node.type === undefined) return open(node.description)
  const out: SchemaProps = {}
  for (const [key, value] of Object.entries(node)) {
    if (DROP_KEYS.has(key)) continue
    if (key === 'pattern' && KUBERNETES_FORMATS.has(node.format as string)) {
      // zod checked the format itself: the hook would refuse what the API server accepts, or the reverse.
      if (!AGREEING_FORMATS.has(node.format as string)) {
        throw new Error(
          `${path}: zod's ${String(node.format)} check differs from the API server's format: ${String(node.format)}, so the hook and the CRD would disagree on a valid spec; use apiServerFormat('${String(node.format)}') (checked by the API server only) or a plain string with a pattern`,
        )
      }
      continue
    }
    if (key === 'format' && !KUBERNETES_FORMATS.has(value as string)) continue
    if (
      (key === 'minimum' || key === 'maximum') &&
      Math.abs(value as number) >= Number.MAX_SAFE_INTEGER
    )
      continue
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          toStructural(v, `${path}.${k}`),
        ]),
      )
    } else if (key === 'items') {
      out.items = toStructural(value, `${path}[]`)
    } else {
      out[key] = value
    }
  }
  if (node.type === 'object' && isObject(node.additionalProperties)) {
    const values = toStructural(node.additionalProperties, `${path}.*`)
    if (values[PRESERVE] === true && values.type === undefined) return { ...out, [PRESERVE]: true }
    if (!node.properties) out.additionalProperties = values
  }
  if (node.type === 'object' && !node.properties && !isObject(node.additionalProperties))
    out[PRESERVE] = true
  return out
}

/** The structural schema for a zod schema, as the API server validates (defaults included). */
export function structuralSchema(schema: z.ZodType, path = 'spec'): SchemaProps {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
  })
  return toStructural(json, path)
}

/**
 * The structural-schema rules the API server enforces on a CRD's openAPIV3Schema, as messages
 * naming the path (empty when the schema is structural).
 */
export function structuralProblems(node: unknown, path = 'openAPIV3Schema'): string[] {
  if (!isObject(node)) return [`${path}: must be an object`]
  const problems: string[] = []
  const preserve = node[PRESERVE] === true
  const intOrString = node['x-kubernetes-int-or-string'] === true
  if (node.type === undefined && !preserve && !intOrString)
    problems.push(`${path}: type is required (or x-kubernetes-preserve-unknown-fields: true)`)
  if (
    node.type !== undefined &&
    !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(node.type as string)
  ) {
    problems.push(`${path}: unknown type ${JSON.stringify(node.type)}`)
  }
  if (node.additionalProperties === false)
    problems.push(`${path}: additionalProperties: false is not allowed`)
  if (node.properties !== undefined && node.additionalProperties !== undefined)
    problems.push(`${path}: properties and additionalProperties are mutually exclusive`)
  for (const key of ['$ref', '$schema', 'definitions', 'dependencies', 'patternProperties', 'id']) {
    if (key in node) problems.push(`${path}: ${key} is not allowed in a CRD schema`)
  }
  if (node.type === 'array' && node.items === undefined)
    problems.push(`${path}: an array needs items`)
  if (isObject(node.properties))
    for (const [k, v] of Object.entries(node.properties))
      problems.push(...structuralProblems(v, `${path}.properties.${k}`))
  if (isObject(node.items)) problems.push(...structuralProblems(node.items, `${path}.items`))
  if (isObject(node.additionalProperties))
    problems.push(...structuralProblems(node.additionalProperties, `${path}.additionalProperties`))
  if (Array.isArray(node.required)) {
    for (const r of node.required)
      if (!isObject(node.properties) || !(String(r) in node.properties))
        problems.push(`${path}: required field ${r} is not in properties`)
  }
  return problems
}
