import { argumentValues, type CallSite } from './calls.ts'
import { evaluate, parseExpr } from './expr/index.ts'
import { isFulfilled, type NodeRecord, type Phase } from './nodes.ts'
import type { Step, Task } from './schema.ts'
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

/**
 * A step's or task's lifecycle hooks (all but `exit`): each runs at most once, as node
 * `<step>.hooks.<name>`, from the first sync its expression holds — `steps.X.status` (or
 * `tasks.X.status`) being the step's own phase so far — in parallel with the step. What comes
 * after the step waits for the hooks that started; a hook that ends Error makes the step Error,
 * one that ends Failed is ignored (as Argo).
 */
export function runCallHooks(run: Run, site: CallSite, call: Step | Task, node: NodeRecord): NodeRecord {
  let running = false
  let error: string | undefined
  for (const [hookName, hook] of Object.entries(call.hooks ?? {})) {
    if (hookName === 'exit' || hook.template === undefined) continue
    const hookCall = { name: `${site.name}.hooks.${hookName}`, displayName: `${site.displayName}.hooks.${hookName}`, template: run.template(hook.template) }
    if (run.memo(hookCall.name) === undefined) {
      if (!run.scheduling) continue
      let holds: boolean
      try {
        const env = { ...lookup(run, site.scope).env(), [`${site.kind}.${call.name}.status`]: node.phase }
        holds = evaluate(parseExpr(hook.expression ?? 'false'), env) === true
      } catch (e) {
        error ??= `its lifecycle hook ${hookName}: its expression ${hook.expression}: ${(e as Error).message}`
        continue
      }
      if (!holds) continue
    }
    let ran: NodeRecord | undefined
    try {
      ran = runTemplate(run, hookCall, argumentValues(run, hook.arguments, site.scope))
    } catch (e) {
      if (!isSubstitutionError(e)) throw e
      ran = run.error(hookCall, e.message)
    }
    if (ran && !isFulfilled(ran.phase)) running = true
    if (ran?.phase === 'Error') error ??= `its lifecycle hook ${hookName} errored`
  }
  if (!isFulfilled(node.phase)) return node
  if (running) return { ...node, phase: 'Running' }
  return error ? { ...node, phase: 'Error', message: error } : node
}
