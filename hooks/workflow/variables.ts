import type { NodeRecord, Scope } from './nodes.ts'
import type { Run } from './state.ts'

/**
 * The `{{…}}` variables a node sees: its own scope (inputs, item, retries, earlier steps' and
 * tasks' outputs) first, then the workflow's.
 */
export function lookup(run: Run, scope: Scope) {
  return (ref: string): string | undefined => {
    if (ref in scope) return scope[ref]
    const w = run.input.workflow
    if (ref === 'workflow.name') return w.name
    if (ref === 'workflow.namespace') return w.namespace
    if (ref === 'workflow.uid') return w.uid ?? ''
    if (ref === 'workflow.status' && run.workflowStatus) return run.workflowStatus
    if (ref.startsWith('workflow.parameters.')) return (run.spec.arguments?.parameters ?? []).find((p) => p.name === ref.slice(20))?.value
    return undefined
  }
}

/** After a step or task ran: `steps.X.status`, `.exitCode`, `.outputs.result`, `.outputs.parameters.y`. */
export function exposeOutputs(scope: Scope, kind: 'steps' | 'tasks', name: string, node: NodeRecord): void {
  scope[`${kind}.${name}.status`] = node.phase
  // Skipped or omitted producers resolve to "" rather than failing the consumer.
  if (node.phase === 'Skipped' || node.phase === 'Omitted') scope[`${kind}.${name}.outputs.result`] = ''
  if (node.outputs?.exitCode !== undefined) scope[`${kind}.${name}.exitCode`] = String(node.outputs.exitCode)
  if (node.outputs?.result !== undefined) scope[`${kind}.${name}.outputs.result`] = node.outputs.result
  for (const [k, v] of Object.entries(node.outputs?.parameters ?? {})) scope[`${kind}.${name}.outputs.parameters.${k}`] = v
}
