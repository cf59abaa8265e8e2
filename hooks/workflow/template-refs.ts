import * as z from 'zod'
import {
  formatIssues,
  type KObject,
  type ObservedObjects,
  type RelatedResourceRule,
} from 'metahooks'
import {
  Template,
  WorkflowSpec,
  type LifecycleHook,
  type Step,
  type Task,
  type TemplateRef,
} from './schema.ts'
import { callsOf } from './nodes.ts'

/**
 * WorkflowTemplates and ClusterWorkflowTemplates, resolved as Argo resolves them: `templateRef`
 * in a step or task runs a template of one (its own calls staying inside it), `workflowTemplateRef`
 * takes a whole workflow from one (the Workflow's fields win). Metacontroller sends them as related
 * objects (customize asks for them by name); what a run used is kept in `status.storedTemplates`,
 * so a template changed mid-run never changes a running workflow.
 */

export const GROUP_VERSION = 'workflows.metahooks.dev/v1alpha1'
export const WORKFLOW_TEMPLATE = 'WorkflowTemplate'
export const CLUSTER_WORKFLOW_TEMPLATE = 'ClusterWorkflowTemplate'

/** What the hook reads of a related template: its spec, parsed when used (an invalid one is named then). */
export const ObservedWorkflowTemplate = z.looseObject({ spec: z.looseObject({}).optional() })

/** Kept in the status: `<Kind>/<name>` → the spec a run took (whole for workflowTemplateRef, else the templates it used). */
export type StoredTemplates = Record<string, { templates?: unknown[]; [field: string]: unknown }>

type Kind = typeof WORKFLOW_TEMPLATE | typeof CLUSTER_WORKFLOW_TEMPLATE
const kindOf = (clusterScope: boolean | undefined): Kind =>
  clusterScope ? CLUSTER_WORKFLOW_TEMPLATE : WORKFLOW_TEMPLATE
const keyOf = (kind: Kind, name: string) => `${kind}/${name}`
/** The name a referenced template runs under: no written template name has a `/`. */
const hoistedName = (kind: Kind, source: string, template: string) =>
  kind === CLUSTER_WORKFLOW_TEMPLATE ? `cluster/${source}/${template}` : `${source}/${template}`

/** Every template source a spec refers to directly (by key), with the stored ones and those a status said it waits for. */
export function referencedSources(
  spec: WorkflowSpec,
  status: { storedTemplates?: StoredTemplates; waitingForTemplates?: string[] },
): string[] {
  const keys = new Set<string>()
  if (spec.workflowTemplateRef)
    keys.add(keyOf(kindOf(spec.workflowTemplateRef.clusterScope), spec.workflowTemplateRef.name))
  const refer = (ref: TemplateRef | undefined) =>
    ref && keys.add(keyOf(kindOf(ref.clusterScope), ref.name))
  for (const t of spec.templates) {
    for (const c of callsOf(t)) {
      refer(c.templateRef)
      for (const h of Object.values(c.hooks ?? {})) refer(h.templateRef)
    }
  }
  for (const h of Object.values(spec.hooks ?? {})) refer(h.templateRef)
  for (const k of Object.keys(status.storedTemplates ?? {})) keys.add(k)
  for (const k of status.waitingForTemplates ?? []) keys.add(k)
  return [...keys].sort()
}

/** The customize rules: the referenced WorkflowTemplates (in the Workflow's namespace) and ClusterWorkflowTemplates, by name. */
export function templateRules(keys: string[]): RelatedResourceRule[] {
  const names = (kind: Kind) =>
    keys.filter((k) => k.startsWith(`${kind}/`)).map((k) => k.slice(kind.length + 1))
  const rules: RelatedResourceRule[] = []
  const namespaced = names(WORKFLOW_TEMPLATE)
  const cluster = names(CLUSTER_WORKFLOW_TEMPLATE)
  if (namespaced.length > 0)
    rules.push({ apiVersion: GROUP_VERSION, resource: 'workflowtemplates', names: namespaced })
  if (cluster.length > 0)
    rules.push({ apiVersion: GROUP_VERSION, resource: 'clusterworkflowtemplates', names: cluster })
  return rules
}

export type Resolution =
  | { ok: true; spec: WorkflowSpec; stored: StoredTemplates }
  /** Sources not there (yet): the workflow waits, Pending. */
  | { ok: false; missing: string[] }
  /** A source that is there but not a valid workflow spec, or a reference to a template it does not have. */
  | { ok: false; invalid: string }

/**
 * The workflow with every reference resolved: the workflowTemplateRef's spec joined under the
 * Workflow's, and each referenced template (with the templates it calls from its own source)
 * added under `<source>/<template>`, the calls rewritten to those names.
 */
export function resolveTemplates(
  written: WorkflowSpec,
  related: ObservedObjects,
  namespace: string,
  storedBefore: StoredTemplates,
): Resolution {
  const stored: StoredTemplates = {}
  const missing = new Set<string>()
  const problems: string[] = []
  const sources = new Map<string, WorkflowSpec | undefined>()
  const source = (kind: Kind, name: string): WorkflowSpec | undefined => {
    const key = keyOf(kind, name)
    if (sources.has(key)) return sources.get(key)
    let raw: unknown = storedBefore[key]
    if (raw === undefined) {
      const object = related
        .list<KObject & { spec?: unknown }>({ apiVersion: GROUP_VERSION, kind })
        .find(
          (o) =>
            o.metadata.name === name &&
            (kind === CLUSTER_WORKFLOW_TEMPLATE ||
              (o.metadata.namespace ?? namespace) === namespace),
        )
      raw = object?.spec
    }
    if (raw === undefined) {
      missing.add(key)
      sources.set(key, undefined)
      return undefined
    }
    const parsed = WorkflowSpec.safeParse(raw)
    if (!parsed.success) {
      problems.push(
        `${key} is not a valid workflow spec: ${formatIssues(parsed.error, 'spec', 2).join('; ')}`,
      )
      sources.set(key, undefined)
      return undefined
    }
    sources.set(key, parsed.data)
    return parsed.data
  }
  const keep = (kind: Kind, name: string, t: Template) => {
    const entry = (stored[keyOf(kind, name)] ??= { templates: [] })
    if (!(entry.templates ?? []).some((x) => (x as Template).name === t.name))
      entry.templates = [...(entry.templates ?? []), t]
  }

  // workflowTemplateRef: the template's spec, the Workflow's fields over it.
  let spec = written
  if (written.workflowTemplateRef) {
    const kind = kindOf(written.workflowTemplateRef.clusterScope)
    const base = source(kind, written.workflowTemplateRef.name)
    if (base) {
      stored[keyOf(kind, written.workflowTemplateRef.name)] =
        storedBefore[keyOf(kind, written.workflowTemplateRef.name)] ??
        (raw(related, kind, written.workflowTemplateRef.name, namespace) as StoredTemplates[string])
      spec = joinSpecs(base, written)
    }
  }

  // templateRef: hoist each referenced template and, transitively, what it calls from its source.
  const out: Template[] = []
  const hoisted = new Set<string>()
  /** `owner`: the name the template runs under (its inline templates are named after it). */
  const rewrite = (
    t: Template,
    within: { kind: Kind; source: string } | undefined,
    owner = t.name,
  ): Template => {
    const local = (template: string) =>
      within
        ? (hoist({
            name: within.source,
            template,
            clusterScope: within.kind === CLUSTER_WORKFLOW_TEMPLATE,
          }) ?? template)
        : template
    const call = <C extends Step | Task>(c: C): C => {
      // A call of the Workflow's own templates that names no templateRef stays as written.
      if (!within && !c.templateRef && !refersInHooks(c.hooks)) return c
      const hooks = c.hooks ? { hooks: hooksResolved(c.hooks, local) } : {}
      const onExit = { ...(c.onExit !== undefined && { onExit: local(c.onExit) }), ...hooks }
      if (c.templateRef)
        return {
          ...c,
          ...onExit,
          templateRef: undefined,
          template: hoist(c.templateRef) ?? c.templateRef.template,
        }
      if (within && c.template !== undefined)
        return { ...c, ...onExit, template: local(c.template) }
      if (within && c.inline !== undefined) {
        // Written inside the source, so its calls are the source's: parsed and named here, as normalize would.
        const parsed = Template.safeParse({ ...c.inline, name: 'inline' })
        if (!parsed.success) {
          problems.push(
            `${keyOf(within.kind, within.source)} (${owner}, ${c.name}).inline: ${formatIssues(parsed.error, '', 2).join('; ')}`,
          )
          return c
        }
        const name = `${owner}.${c.name}`
        out.push({ ...rewrite(parsed.data, within, name), name })
        return { ...c, ...onExit, inline: undefined, template: name }
      }
      return { ...c, ...onExit }
    }
    return {
      ...t,
      ...(t.steps && { steps: t.steps.map((g) => g.map(call)) }),
      ...(t.dag && { dag: { ...t.dag, tasks: t.dag.tasks.map(call) } }),
    }
  }
  const hoist = (ref: TemplateRef): string | undefined => {
    const kind = kindOf(ref.clusterScope)
    const name = hoistedName(kind, ref.name, ref.template)
    if (hoisted.has(name)) return name
    const src = source(kind, ref.name)
    if (!src) return undefined
    const t = src.templates.find((x) => x.name === ref.template)
    if (!t) {
      problems.push(`${keyOf(kind, ref.name)} has no template "${ref.template}"`)
      return undefined
    }
    hoisted.add(name)
    keep(kind, ref.name, t)
    out.push({ ...rewrite(t, { kind, source: ref.name }, name), name })
    return name
  }
  /** Hooks with their templates named as the run knows them: a templateRef hoisted, a source's own template localised. */
  const hooksResolved = (
    hooks: Record<string, LifecycleHook>,
    local: (template: string) => string,
  ) =>
    Object.fromEntries(
      Object.entries(hooks).map(([k, h]) => [
        k,
        h.templateRef
          ? {
              ...h,
              templateRef: undefined,
              template: hoist(h.templateRef) ?? h.templateRef.template,
            }
          : h.template === undefined
            ? h
            : { ...h, template: local(h.template) },
      ]),
    )
  const own = spec.templates.map((t) => rewrite(t, undefined))
  const hooks = refersInHooks(spec.hooks) ? { hooks: hooksResolved(spec.hooks!, (t) => t) } : {}
  if (problems.length > 0) return { ok: false, invalid: problems.slice(0, 3).join('; ') }
  if (missing.size > 0) return { ok: false, missing: [...missing].sort() }
  return {
    ok: true,
    spec: { ...spec, ...hooks, templates: [...own, ...out], workflowTemplateRef: undefined },
    stored,
  }
}

const refersInHooks = (hooks: Record<string, LifecycleHook> | undefined) =>
  Object.values(hooks ?? {}).some((h) => h.templateRef !== undefined)

function raw(related: ObservedObjects, kind: Kind, name: string, namespace: string): unknown {
  return related
    .list<KObject & { spec?: unknown }>({ apiVersion: GROUP_VERSION, kind })
    .find(
      (o) =>
        o.metadata.name === name &&
        (kind === CLUSTER_WORKFLOW_TEMPLATE || (o.metadata.namespace ?? namespace) === namespace),
    )?.spec
}

/** Argo's join of a Workflow over its workflowTemplateRef: the Workflow's fields win; parameters and templates merge by name. */
function joinSpecs(base: WorkflowSpec, over: WorkflowSpec): WorkflowSpec {
  const defined = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined))
  const byName = <T extends { name: string }>(a: T[] = [], b: T[] = []) => [
    ...a.filter((x) => !b.some((y) => y.name === x.name)),
    ...b,
  ]
  const parameters = byName(base.arguments?.parameters, over.arguments?.parameters)
  return {
    ...base,
    ...defined,
    templates: byName(base.templates, over.templates),
    ...(parameters.length > 0 && {
      arguments: { ...base.arguments, ...over.arguments, parameters },
    }),
  } as WorkflowSpec
}
