import { callsOf } from './nodes.ts'
import type { WorkflowSpec } from './schema.ts'

/**
 * Argo fields the schema knows but the engine does not run yet: refused by name (422) so a
 * workflow never runs without a feature it asked for. This list only shrinks.
 */
export function pendingFeatures(spec: WorkflowSpec): string[] {
  const problems: string[] = []
  spec.templates.forEach((t, i) => {
    const path = `spec.templates[${i}]`
    t.outputs?.parameters?.forEach((p, j) => {
      const vf = p.valueFrom ?? {}
      if (vf.supplied !== undefined && !t.suspend)
        problems.push(
          `${path}.outputs.parameters[${j}].valueFrom.supplied: only a suspend template's outputs are supplied (when it is resumed)`,
        )
      if (vf.jsonPath !== undefined && !t.resource)
        problems.push(
          `${path}.outputs.parameters[${j}].valueFrom.jsonPath: only a resource template's outputs are read by jsonPath`,
        )
      if (vf.configMapKeyRef !== undefined)
        problems.push(
          `${path}.outputs.parameters[${j}].valueFrom.configMapKeyRef: output parameters from configMapKeyRef are not supported yet`,
        )
    })
    t.inputs?.parameters.forEach((p, j) => {
      if (p.valueFrom?.supplied !== undefined)
        problems.push(
          `${path}.inputs.parameters[${j}].valueFrom.supplied: input parameters from supplied are not supported yet`,
        )
      if (p.globalName !== undefined)
        problems.push(`${path}.inputs.parameters[${j}].globalName: globalName is not supported yet`)
    })
    for (const c of callsOf(t)) {
      for (const a of c.arguments?.parameters ?? [])
        if (a.valueFrom?.supplied !== undefined)
          problems.push(
            `${path} (${c.name}).arguments.parameters.${a.name}.valueFrom.supplied: arguments from supplied are not supported yet`,
          )
    }
  })
  for (const a of spec.arguments?.parameters ?? [])
    if (a.valueFrom?.supplied !== undefined)
      problems.push(
        `spec.arguments.parameters.${a.name}.valueFrom.supplied: arguments from supplied are not supported yet`,
      )
  return problems
}
