import type { Location } from './artifact-schema.ts'
import { artifactSource } from './artifacts.ts'
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
export function compositeOutputs(
  run: Run,
  call: NodeCall,
  scope: Scope,
): Outputs | string | undefined {
  const declared = call.template.outputs?.parameters ?? []
  const declaredArtifacts = call.template.outputs?.artifacts ?? []
  if (declared.length === 0 && declaredArtifacts.length === 0) return undefined
  const vars = lookup(run, scope)
  const parameters: Record<string, string> = {}
  for (const p of declared) {
    let value: string | undefined
    try {
      if (p.valueFrom?.parameter !== undefined) value = substitute(p.valueFrom.parameter, vars)
      else if (p.valueFrom?.expression !== undefined)
        value = asText(evaluate(parseExpr(p.valueFrom.expression), vars.env()))
      else if (p.value !== undefined) value = substitute(p.value, vars)
    } catch (error) {
      if (!isSubstitutionError(error)) throw error
      if (p.valueFrom?.default === undefined) return `output parameter ${p.name}: ${error.message}`
    }
    value ??= p.valueFrom?.default
    if (value === undefined) return `output parameter ${p.name} has no value`
    parameters[p.name] = value
  }
  const artifacts: Record<string, Location> = {}
  for (const a of declaredArtifacts) {
    let location: Location | undefined
    try {
      location = artifactSource(run, a, vars)
    } catch (error) {
      if (!isSubstitutionError(error)) throw error
      if (!a.optional) return `output artifact ${a.name}: ${error.message}`
    }
    if (location) artifacts[a.name] = location
    else if (!a.optional) return `output artifact ${a.name} has no from`
  }
  exportGlobals(run, call, parameters, artifacts)
  return {
    ...(declared.length > 0 && { parameters }),
    ...(Object.keys(artifacts).length > 0 && { artifacts }),
  }
}

/** Outputs with a `globalName` become `workflow.outputs.parameters.<globalName>` / `.artifacts.<globalName>` (and the workflow's outputs). */
export function exportGlobals(
  run: Run,
  call: Pick<NodeCall, 'template'>,
  parameters: Record<string, string>,
  artifacts?: Record<string, Location>,
): void {
  for (const p of call.template.outputs?.parameters ?? [])
    if (p.globalName && parameters[p.name] !== undefined)
      run.globals[p.globalName] = parameters[p.name]!
  for (const a of call.template.outputs?.artifacts ?? [])
    if (a.globalName && artifacts?.[a.name]) run.globalArtifacts[a.globalName] = artifacts[a.name]!
}

/**
 * A steps or DAG node once its children are evaluated: recorded with its own outputs when it
 * succeeded, or as an Error when one of them has no value.
 */
export function recordComposite(
  run: Run,
  call: NodeCall,
  scope: Scope,
  node: Omit<NodeRecord, 'name' | 'displayName'>,
): NodeRecord {
  const outputs = node.phase === 'Succeeded' ? compositeOutputs(run, call, scope) : undefined
  const failed = typeof outputs === 'string' ? { phase: 'Error' as const, message: outputs } : {}
  return run.record(call.name, {
    displayName: call.displayName,
    ...node,
    ...failed,
    ...(typeof outputs === 'object' && { outputs }),
  })
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}
