import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import type { KObject } from 'metahooks'
import type { Command } from 'metahooks/cli'
import { loadObjects } from 'metahooks/testing'
import { executorRbac, unionRules, type Rule } from './rbac.ts'
import { WorkflowSpec } from './schema.ts'

const USAGE = `  metahooks workflow-rbac -f WORKFLOW.yaml [--service-account NAME] [--namespace NS]
      The ServiceAccount, Role and RoleBinding the workflow's resource templates need (kubectl
      runs in their Pods under the workflow's service account): least privilege, as YAML.`

/** `metahooks workflow-rbac`: prints the RBAC of every Workflow (template, CronWorkflow) in a file; what it cannot work out goes to stderr. */
export async function workflowRbac(
  args: string[],
  out: (text: string) => void,
  warn: (text: string) => void,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string', short: 'f' },
      'service-account': { type: 'string' },
      namespace: { type: 'string', short: 'n' },
    },
  })
  if (!values.file) throw new Error('workflow-rbac needs -f WORKFLOW.yaml')
  const workflows = (await loadObjects(values.file)).filter((o) =>
    /^(Workflow|WorkflowTemplate|ClusterWorkflowTemplate|CronWorkflow)$/.test(o.kind),
  )
  if (workflows.length === 0)
    throw new Error(`${values.file}: no Workflow, WorkflowTemplate or CronWorkflow in it`)
  const merged = new Map<string, KObject>()
  for (const w of workflows) {
    const raw =
      w.kind === 'CronWorkflow'
        ? (w as { spec?: { workflowSpec?: unknown } }).spec?.workflowSpec
        : (w as { spec?: unknown }).spec
    const parsed = WorkflowSpec.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new Error(
        `${values.file}: ${w.kind} ${w.metadata.name ?? w.metadata.generateName ?? ''}: spec.${issue.path.join('.')}: ${issue.message}`,
      )
    }
    const namespace = values.namespace ?? w.metadata.namespace ?? 'default'
    const { objects, skipped } = executorRbac(parsed.data, namespace, values['service-account'])
    for (const s of skipped) warn(`${w.kind} ${w.metadata.name ?? w.metadata.generateName}: ${s}`)
    for (const o of objects) {
      const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`
      const seen = merged.get(key) as (KObject & { rules?: Rule[] }) | undefined
      if (seen?.rules) seen.rules = unionRules(seen.rules, (o as { rules?: Rule[] }).rules ?? [])
      else if (!seen) merged.set(key, o)
    }
  }
  if (merged.size === 0) warn('no resource template needs RBAC: the executor itself calls no API')
  out([...merged.values()].map((o) => stringify(o)).join('---\n'))
}

/** `metahooks workflow-rbac`, the workflow controller's own command (listed in hooks/commands.ts). */
export const workflowRbacCommand: Command = {
  name: 'workflow-rbac',
  usage: USAGE,
  run: (args) =>
    workflowRbac(
      args,
      (text) => process.stdout.write(text),
      (text) => console.error(`metahooks: ${text}`),
    ),
}
