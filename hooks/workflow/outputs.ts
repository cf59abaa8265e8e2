import { evaluate, parseExpr } from './expr/index.ts'
import type { NodeRecord, Scope } from './nodes.ts'
import type { NodeCall, Run } from './state.ts'
import { isSubstitutionError, substitute } from './substitute.ts'
import { lookup } from './variables.ts'

type Outputs = NonNullable<NodeRecord['outputs']>

/**
 * A steps or DAG template's own output parameters, from what its children produced:
 * `valueFrom.parameter` (a `{{steps.X.outputs.parameters.y}}` text), `valueFrom.expression`, or a
 * `value`; `valueFrom.default` when that cannot be resolved (a skipped branch). A string is why
 * an output has no value (the node is then an Error).
 */
export function compositeOutputs(run: Run, call: NodeCall, scope: Scope): Outputs | string | undefined {
  const declared = call.template.outputs?.parameters ?? []
  if (declared.length === 0) return undefined
  const vars = lookup(run, scope)
  const parameters: Record<string, string> = {}
  for (const p of declared) {
    let value: string | undefined
    try {
      if (p.valueFrom?.parameter !== undefined) value = substitute(p.valueFrom.parameter, vars)
      else if (p.valueFrom?.expression !== undefined) value = asText(evaluate(parseExpr(p.valueFrom.expression), vars.env()))
      else if (p.value !== undefined) value = substitute(p.value, vars)
    } catch (error) {
      if (!isSubstitutionError(error)) throw error
      if (p.valueFrom?.default === undefined) return `output parameter ${p.name}: ${error.message}`
    }
    value ??= p.valueFrom?.default
    if (value === undefined) return `output parameter ${p.name} has no value`
    parameters[p.name] = value
  }
  exportGlobals(run, call, parameters)
  return { parameters }
}

/** Output parameters with a `globalName` become `workflow.outputs.parameters.<globalName>` (and the workflow's outputs). */
export function exportGlobals(run: Run, call: Pick<NodeCall, 'template'>, parameters: Record<string, string>): void {
  for (const p of call.template.outputs?.parameters ?? []) if (p.globalName && parameters[p.name] !== undefined) run.globals[p.globalName] = parameters[p.name]!
}

/**
 * A steps or DAG node once its children are evaluated: recorded with its own outputs when it
 * succeeded, or as an Error when one of them has no value.
 */
export function recordComposite(run: Run, call: NodeCall, scope: Scope, node: Omit<NodeRecord, 'name' | 'displayName'>): NodeRecord {
  const outputs = node.phase === 'Succeeded' ? compositeOutputs(run, call, scope) : undefined
  const failed = typeof outputs === 'string' ? { phase: 'Error' as const, message: outputs } : {}
  return run.record(call.name, { displayName: call.displayName, ...node, ...failed, ...(typeof outputs === 'object' && { outputs }) })
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}
