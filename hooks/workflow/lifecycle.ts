import { argumentValues, type CallSite } from './calls.ts'
import { evaluate, parseExpr } from './expr/index.ts'
import { isFulfilled, type NodeRecord, type Phase, type Scope } from './nodes.ts'
import type { LifecycleHook, Step, Task } from './schema.ts'
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
export function runWorkflowHooks(
  run: Run,
  status: Phase | 'Pending',
): { running: boolean; error?: string } {
  const { spec, workflow } = run.input
  let running = false
  let error: string | undefined
  for (const [hookName, hook] of Object.entries(spec.hooks ?? {})) {
    // Exit handler variables (workflow.status) are what a workflow hook's expression reads.
    const at = { name: `${workflow.name}.hooks.${hookName}`, displayName: `hooks.${hookName}` }
    const outcome = runHook(run, hookName, hook, at, {}, () => {
      run.workflowStatus = status === 'Skipped' || status === 'Omitted' ? 'Succeeded' : status
      return lookup(run, {}).env()
    })
    running ||= outcome.running
    if (outcome.expressionError) error ??= `lifecycle hook ${hookName}: ${outcome.expressionError}`
    else if (outcome.errored) error ??= `the lifecycle hook ${hookName} errored`
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
export function runCallHooks(
  run: Run,
  site: CallSite,
  call: Step | Task,
  node: NodeRecord,
): NodeRecord {
  let running = false
  let error: string | undefined
  for (const [hookName, hook] of Object.entries(call.hooks ?? {})) {
    const at = {
      name: `${site.name}.hooks.${hookName}`,
      displayName: `${site.displayName}.hooks.${hookName}`,
    }
    const outcome = runHook(run, hookName, hook, at, site.scope, () => ({
      ...lookup(run, site.scope).env(),
      [`${site.kind}.${call.name}.status`]: node.phase,
    }))
    running ||= outcome.running
    if (outcome.expressionError)
      error ??= `its lifecycle hook ${hookName}: ${outcome.expressionError}`
    else if (outcome.errored) error ??= `its lifecycle hook ${hookName} errored`
  }
  if (!isFulfilled(node.phase)) return node
  if (running) return { ...node, phase: 'Running' }
  return error ? { ...node, phase: 'Error', message: error } : node
}

/**
 * One hook other than `exit`: started once its expression holds (asked only until it has started),
 * then run to its end. An expression that cannot be worked out is not recorded: it is worked out
 * again, the same way, at every sync until the spec changes.
 */
function runHook(
  run: Run,
  hookName: string,
  hook: LifecycleHook,
  at: { name: string; displayName: string },
  scope: Scope,
  env: () => Record<string, unknown>,
): { running: boolean; errored?: boolean; expressionError?: string } {
  if (hookName === 'exit' || hook.template === undefined) return { running: false }
  const call = { ...at, template: run.template(hook.template) }
  if (run.memo(call.name) === undefined) {
    if (!run.scheduling) return { running: false }
    try {
      if (evaluate(parseExpr(hook.expression ?? 'false'), env()) !== true) return { running: false }
    } catch (e) {
      return {
        running: false,
        expressionError: `its expression ${hook.expression}: ${(e as Error).message}`,
      }
    }
  }
  let node: NodeRecord | undefined
  try {
    node = runTemplate(run, call, argumentValues(run, hook.arguments, scope))
  } catch (e) {
    if (!isSubstitutionError(e)) throw e
    node = run.error(call, e.message)
  }
  return {
    running: node !== undefined && !isFulfilled(node.phase),
    errored: node?.phase === 'Error',
  }
}
