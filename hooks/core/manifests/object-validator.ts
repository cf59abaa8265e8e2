import AjvModule from 'ajv'
import formatsModule from 'ajv-formats'
import * as z from 'zod'
import { CompositeController, DecoratorController, type Webhook } from '../contract/controllers.ts'
import type { ControllerDefinition } from '../define.ts'
import { formatIssues } from '../issues.ts'
import { isDnsSubdomain } from '../k8s/resources.ts'
import { crdFor, customResourceCrds } from './crd.ts'
import { structuralProblems, type SchemaProps } from './schema.ts'

// One object checked as the API server would (validate.ts walks the files and calls this; render
// and simulate check their inputs with it too).

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * The part of the Prometheus Operator's ServiceMonitor that `manifests --metrics` writes (its CRD
 * is the operator's, not in this repository): what Prometheus needs to find and scrape the server.
 */
const SecretKey = z.strictObject({ name: z.string().min(1), key: z.string().min(1) })
const ServiceMonitor = z.looseObject({
  spec: z.looseObject({
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }),
    endpoints: z
      .array(
        z.looseObject({
          port: z.string().min(1),
          path: z.string().startsWith('/'),
          interval: z
            .string()
            .regex(/^(\d+(ms|s|m|h))+$/)
            .optional(),
          scheme: z.enum(['http', 'https']).optional(),
          authorization: z.strictObject({ type: z.string(), credentials: SecretKey }).optional(),
          tlsConfig: z
            .looseObject({
              ca: z.strictObject({ secret: SecretKey }).optional(),
              cert: z.strictObject({ secret: SecretKey }).optional(),
              keySecret: SecretKey.optional(),
            })
            .optional(),
        }),
      )
      .min(1),
  }),
})

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule
const addFormats =
  (formatsModule as unknown as { default: typeof formatsModule }).default ?? formatsModule

/** The CRD schema as a JSON Schema for ajv: unknown fields rejected where the CRD is not open. */
function forAjv(node: SchemaProps): SchemaProps {
  const out: SchemaProps = {}
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-')) continue
    if (k === 'properties' && isObject(v))
      out.properties = Object.fromEntries(
        Object.entries(v).map(([p, s]) => [p, forAjv(s as SchemaProps)]),
      )
    else if ((k === 'items' || k === 'additionalProperties') && isObject(v)) out[k] = forAjv(v)
    else out[k] = v
  }
  if (node.exclusiveMinimum === true)
    Object.assign(out, { exclusiveMinimum: node.minimum, minimum: undefined })
  if (node.exclusiveMaximum === true)
    Object.assign(out, { exclusiveMaximum: node.maximum, maximum: undefined })
  if (
    node.type === 'object' &&
    node.properties &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.additionalProperties = false
  return JSON.parse(JSON.stringify(out)) as SchemaProps
}

const CrdShape = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    group: z.string().min(1),
    scope: z.enum(['Namespaced', 'Cluster']),
    names: z.looseObject({
      kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
      plural: z.string().regex(/^[a-z0-9]+$/),
      singular: z
        .string()
        .regex(/^[a-z0-9]*$/)
        .optional(),
      shortNames: z.array(z.string()).optional(),
    }),
    versions: z
      .array(
        z.looseObject({
          name: z.string().regex(/^v\d+((alpha|beta)\d+)?$/),
          served: z.boolean(),
          storage: z.boolean(),
          schema: z.looseObject({ openAPIV3Schema: z.record(z.string(), z.unknown()) }),
          subresources: z.looseObject({ status: z.looseObject({}).optional() }).optional(),
          additionalPrinterColumns: z
            .array(
              z.looseObject({
                name: z.string().min(1),
                type: z.enum(['string', 'integer', 'number', 'boolean', 'date']),
                jsonPath: z.string().startsWith('.'),
              }),
            )
            .optional(),
        }),
      )
      .min(1),
  }),
})

/** `notParents`: CRDs a controller defines for its parents to refer to (no status subresource needed). */
function checkCrd(
  value: Record<string, unknown>,
  notParents: ReadonlySet<string> = new Set(),
): string[] {
  const parsed = CrdShape.safeParse(value)
  if (!parsed.success) return formatIssues(parsed.error)
  const { spec, metadata } = parsed.data
  const problems: string[] = []
  if (metadata.name !== `${spec.names.plural}.${spec.group}`)
    problems.push(`metadata.name: must be ${spec.names.plural}.${spec.group} (plural.group)`)
  if (spec.versions.filter((v) => v.storage).length !== 1)
    problems.push('spec.versions: exactly one version must be the storage version')
  spec.versions.forEach((v, i) => {
    if (!v.subresources?.status && !notParents.has(metadata.name))
      problems.push(
        `spec.versions[${i}].subresources.status: Metacontroller requires the status subresource`,
      )
    problems.push(
      ...structuralProblems(v.schema.openAPIV3Schema, `spec.versions[${i}].schema.openAPIV3Schema`),
    )
  })
  return problems
}

function checkWebhook(w: Webhook, path: string): string[] {
  const problems: string[] = []
  if (!w.url && !(w.service && w.path)) problems.push(`${path}: needs url, or service and path`)
  if (w.path !== undefined && !w.path.startsWith('/'))
    problems.push(`${path}.path: must start with /`)
  if (w.url !== undefined && !/^https?:\/\//.test(w.url))
    problems.push(`${path}.url: must be an http(s) URL`)
  if (
    w.etag &&
    (w.etag.cacheTimeoutSeconds === undefined) !== (w.etag.cacheCleanupSeconds === undefined)
  ) {
    problems.push(
      `${path}.etag: set both cacheTimeoutSeconds and cacheCleanupSeconds or neither (Metacontroller crashes on one alone)`,
    )
  }
  if (w.authorization && w.basicAuth)
    problems.push(`${path}: authorization and basicAuth are mutually exclusive`)
  if (w.authorization?.type && w.authorization.type.trim().toLowerCase() === 'basic')
    problems.push(`${path}.authorization.type: Basic is refused; use basicAuth`)
  if (w.timeout !== undefined && !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(w.timeout))
    problems.push(`${path}.timeout: not a Go duration (e.g. 10s, 500ms)`)
  return problems
}

function checkMetacontroller(value: Record<string, unknown>): string[] {
  const schema = value.kind === 'CompositeController' ? CompositeController : DecoratorController
  const parsed = schema.safeParse(value)
  if (!parsed.success) return formatIssues(parsed.error)
  const hooks = (parsed.data.spec.hooks ?? {}) as Record<string, { webhook: Webhook } | undefined>
  const problems: string[] = []
  if (!hooks.sync && !hooks.finalize) problems.push('spec.hooks: needs a sync or finalize hook')
  for (const [name, hook] of Object.entries(hooks))
    if (hook) problems.push(...checkWebhook(hook.webhook, `spec.hooks.${name}.webhook`))
  const rules =
    value.kind === 'CompositeController'
      ? ((parsed.data.spec as { childResources?: { resource: string }[] }).childResources ?? [])
      : ((parsed.data.spec as { attachments?: { resource: string }[] }).attachments ?? [])
  rules.forEach((r, i) => {
    if (!/^[a-z0-9.-]+$/.test(r.resource))
      problems.push(
        `spec.${value.kind === 'CompositeController' ? 'childResources' : 'attachments'}[${i}].resource: must be a lowercase plural resource name`,
      )
  })
  return problems
}

async function checkBuiltin(value: Record<string, unknown>): Promise<string[] | undefined> {
  let Model: (new (data: unknown) => { validate(): void }) | undefined
  try {
    const module = (await import(`kubernetes-models/${value.apiVersion}/${value.kind}`)) as Record<
      string,
      unknown
    >
    Model = module[value.kind as string] as typeof Model
  } catch {
    return undefined
  }
  if (!Model) return undefined
  try {
    new Model(value).validate()
    return []
  } catch (error) {
    return (error as Error).message.split(', ').map((m) =>
      m
        .replace(/^data\/?/, '')
        .replace(/\//g, '.')
        .replace(/^ /, ''),
    )
  }
}

/** What the API server (with kubectl's strict field validation) would say about one object. */
export interface ObjectCheck {
  /** False when no schema is known for the object's kind (neither built in nor a CRD we know). */
  known: boolean
  problems: string[]
}

/**
 * Checks single objects as the API server would: built-in kinds against the Kubernetes schemas,
 * custom resources against the CRDs our definitions generate (and any added), unknown fields
 * refused. `metahooks validate` checks files with it, `render` and `simulate` their inputs, so the
 * two agree on what a cluster would refuse.
 */
export class ObjectValidator {
  readonly #ajv = new Ajv({ strict: false, allErrors: true })
  readonly #crds = new Map<string, SchemaProps>()
  readonly #customResources: ReadonlySet<string>
  readonly #compiled = new Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>>()

  constructor(definitions: readonly ControllerDefinition[]) {
    addFormats(this.#ajv)
    this.#customResources = new Set(
      definitions.flatMap((d) => (d.customResources ?? []).map((r) => `${r.plural}.${r.group}`)),
    )
    for (const d of definitions) {
      if (d.type === 'composite') this.addCrd(crdFor(d))
      for (const crd of customResourceCrds(d)) this.addCrd(crd)
    }
  }

  addCrd(crd: Record<string, unknown>): void {
    const spec = crd.spec as
      | {
          group?: string
          names?: { kind?: string }
          versions?: { name: string; schema?: { openAPIV3Schema?: SchemaProps } }[]
        }
      | undefined
    for (const v of spec?.versions ?? [])
      if (v.schema?.openAPIV3Schema)
        this.#crds.set(`${spec?.group}/${v.name} ${spec?.names?.kind}`, v.schema.openAPIV3Schema)
  }

  async check(value: Record<string, unknown>): Promise<ObjectCheck> {
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string')
      return {
        known: false,
        problems: ['not a Kubernetes object: apiVersion and kind are required'],
      }
    const problems: string[] = []
    const meta = value.metadata as { name?: unknown; generateName?: unknown } | undefined
    // `kubectl create -f` with generateName: the server appends five characters.
    if (
      (meta?.name === undefined || meta.name === '') &&
      typeof meta?.generateName === 'string' &&
      meta.generateName !== ''
    ) {
      if (!isDnsSubdomain(`${meta.generateName}abcde`))
        problems.push(
          `metadata.generateName: ${JSON.stringify(meta.generateName)} does not make a valid name`,
        )
    } else if (typeof meta?.name !== 'string' || meta.name === '') {
      return { known: true, problems: ['metadata.name: required (or metadata.generateName)'] }
    } else if (
      !isDnsSubdomain(meta.name) &&
      !value.apiVersion.startsWith('rbac.authorization.k8s.io')
    )
      problems.push(`metadata.name: ${JSON.stringify(meta.name)} is not a valid DNS subdomain name`)
    if (value.kind === 'CustomResourceDefinition' && value.apiVersion === 'apiextensions.k8s.io/v1')
      return { known: true, problems: [...problems, ...checkCrd(value, this.#customResources)] }
    if (
      value.apiVersion === 'metacontroller.k8s.io/v1alpha1' &&
      (value.kind === 'CompositeController' || value.kind === 'DecoratorController')
    ) {
      return { known: true, problems: [...problems, ...checkMetacontroller(value)] }
    }
    if (value.apiVersion === 'monitoring.coreos.com/v1' && value.kind === 'ServiceMonitor') {
      const parsed = ServiceMonitor.safeParse(value)
      return {
        known: true,
        problems: [...problems, ...(parsed.success ? [] : formatIssues(parsed.error))],
      }
    }
    const key = `${value.apiVersion} ${value.kind}`
    const schema = this.#crds.get(key)
    if (schema) {
      let validate = this.#compiled.get(key)
      if (!validate) this.#compiled.set(key, (validate = this.#ajv.compile(forAjv(schema))))
      if (!validate(value)) {
        problems.push(
          ...(validate.errors ?? []).map((e) => {
            const path = e.instancePath.slice(1).replace(/\//g, '.')
            const extra =
              e.keyword === 'additionalProperties'
                ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
                : ''
            return `${path || '.'}: ${e.message}${extra}`
          }),
        )
      }
      return { known: true, problems }
    }
    const builtin = await checkBuiltin(value)
    if (builtin === undefined)
      return {
        known: false,
        problems: [
          ...problems,
          `${value.kind} (${value.apiVersion}): no schema known (not a built-in kind and no CRD defines it)`,
        ],
      }
    return { known: true, problems: [...problems, ...builtin] }
  }
}
