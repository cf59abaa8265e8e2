import { formatIssues, HookError } from 'metahooks'
import { Template, TemplateDefaults, type Step, type Task, type WorkflowSpec } from './schema.ts'

/**
 * The workflow as the engine runs it: `templateDefaults` merged under every template, and inline
 * templates (`inline:` in a step or task) parsed and given a name of their own —
 * `<caller>.<step>`, which no written template can have (names have no dots).
 */
export function normalize(spec: WorkflowSpec): WorkflowSpec {
  const problems: string[] = []
  const parse = <T>(
    schema: {
      safeParse(
        v: unknown,
      ): { success: true; data: T } | { success: false; error: import('zod').ZodError }
    },
    value: unknown,
    path: string,
  ): T | undefined => {
    const parsed = schema.safeParse(value)
    if (parsed.success) return parsed.data
    problems.push(...formatIssues(parsed.error, path, 3))
    return undefined
  }
  const defaults = spec.templateDefaults
    ? parse(TemplateDefaults, spec.templateDefaults, 'spec.templateDefaults')
    : undefined
  const withDefaults = (t: Template): Template =>
    defaults ? (mergeUnder(defaults, t) as Template) : t
  const templates: Template[] = []
  const hoist = (t: Template, path: string): Template => {
    const call = <C extends Step | Task>(c: C, p: string): C => {
      if (c.inline === undefined) return c
      if (c.template !== undefined) problems.push(`${p}: use template or inline, not both`)
      const inline = parse(Template, { ...c.inline, name: 'inline' }, `${p}.inline`)
      if (!inline) return c
      const name = `${t.name}.${c.name}`
      templates.push(hoist(withDefaults({ ...inline, name }), `${p}.inline`))
      return { ...c, template: name }
    }
    return {
      ...t,
      ...(t.steps && {
        steps: t.steps.map((group, g) => group.map((s, i) => call(s, `${path}.steps[${g}][${i}]`))),
      }),
      ...(t.dag && {
        dag: {
          ...t.dag,
          tasks: t.dag.tasks.map((task, i) => call(task, `${path}.dag.tasks[${i}]`)),
        },
      }),
    }
  }
  spec.templates.forEach((t, i) => templates.push(hoist(withDefaults(t), `spec.templates[${i}]`)))
  if (problems.length > 0)
    throw new HookError(422, `invalid workflow: ${problems.slice(0, 5).join('; ')}`)
  return { ...spec, templates }
}

/** `over` merged onto `under`: objects deeply, everything else (lists included) replaced, as Argo merges templateDefaults. */
export function mergeUnder(under: unknown, over: unknown): unknown {
  if (!isPlain(under) || !isPlain(over)) return over === undefined ? under : over
  const out: Record<string, unknown> = { ...under }
  for (const [k, v] of Object.entries(over)) out[k] = mergeUnder(under[k], v)
  return out
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
