import { argumentValues } from './calls.ts'
import { evaluate, parseExpr } from './expr/index.ts'
import { isFulfilled, type NodeRecord, type Phase } from './nodes.ts'
import type { Run } from './state.ts'
import { isSubstitutionError } from './substitute.ts'
import { runTemplate } from './templates.ts'
import { lookup } from './variables.ts'

/**
 * The workflow's lifecycle hooks (`spec.hooks`, all but `exit`): each runs at most once, as node
 * `<workflow>.hooks.<name>`, from the first sync its expression holds — with `workflow.status` the
 * workflow's phase so far — and then to its end whatever the expression says later. The workflow
 * is not done while a hook that started runs; a hook that ends Error makes a workflow that
 * succeeded Error (so does an expression that cannot be worked out), one that ends Failed is
 * ignored (as Argo does for a step's hooks).
 */
export function runWorkflowHooks(run: Run, status: Phase | 'Pending'): { running: boolean; error?: string } {
  const { spec, workflow } = run.input
  let running = false
  let error: string | undefined
  for (const [hookName, hook] of Object.entries(spec.hooks ?? {})) {
    if (hookName === 'exit' || hook.template === undefined) continue
    const call = { name: `${workflow.name}.hooks.${hookName}`, displayName: `hooks.${hookName}`, template: run.template(hook.template) }
    if (run.memo(call.name) === undefined) {
      if (!run.scheduling) continue
      run.workflowStatus = status === 'Skipped' || status === 'Omitted' ? 'Succeeded' : status
      let holds: boolean
      try {
        holds = evaluate(parseExpr(hook.expression ?? 'false'), lookup(run, {}).env()) === true
      } catch (e) {
        // Worked out again (the same way) at every sync until the spec changes: nothing to record.
        error ??= `lifecycle hook ${hookName}: its expression ${hook.expression}: ${(e as Error).message}`
        continue
      }
      if (!holds) continue
    }
    let node: NodeRecord | undefined
    try {
      node = runTemplate(run, call, argumentValues(run, hook.arguments, {}))
    } catch (e) {
      if (!isSubstitutionError(e)) throw e
      node = run.error(call, e.message)
    }
    if (node && !isFulfilled(node.phase)) running = true
    if (node?.phase === 'Error') error ??= `the lifecycle hook ${hookName} errored`
  }
  return { running, ...(error && { error }) }
}
