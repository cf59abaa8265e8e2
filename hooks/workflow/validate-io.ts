import { parseExpr } from './expr/index.ts'
import type { Template } from './schema.ts'

/** What a text may refer to where it stands: a template's inputs, earlier steps, tasks before it… */
export interface RefScope {
  inputs: Set<string>
  artifacts?: Set<string>
  steps?: Set<string>
  tasks?: () => Set<string>
  loop?: boolean
  exit?: boolean
  pod?: boolean
}

/** Checks the {{…}} references and expressions of one text at a path (validate.ts). */
export type CheckRefs = (text: string, path: string, scope: RefScope) => void

/**
 * A template's artifacts and output parameters: where each may come from, and what its texts refer
 * to (through `checkRefs`, which validateWorkflow shares with every other check). Problems are
 * pushed to `problems` in the order they are found.
 */
export function templateIoProblems(
  t: Template,
  path: string,
  inputs: Set<string>,
  checkRefs: CheckRefs,
  problems: string[],
): void {
  const leaf = t.container !== undefined || t.script !== undefined
  const steps = new Set((t.steps ?? []).flat().map((s) => s.name))
  const tasks = new Set((t.dag?.tasks ?? []).map((s) => s.name))
  for (const [j, a] of (t.outputs?.artifacts ?? []).entries()) {
    const at = `${path}.outputs.artifacts[${j}]`
    if (leaf && a.path === undefined)
      problems.push(
        `${at}: a ${t.script ? 'script' : 'container'} template's output artifact needs a path`,
      )
    if (!leaf && a.from === undefined)
      problems.push(`${at}: a steps or DAG template's output artifact needs from`)
    if (!leaf && a.from !== undefined)
      checkRefs(a.from, `${at}.from`, { inputs, steps, tasks: () => tasks })
  }
  for (const [j, a] of (t.inputs?.artifacts ?? []).entries()) {
    if (leaf && a.path === undefined)
      problems.push(
        `${path}.inputs.artifacts[${j}]: a ${t.script ? 'script' : 'container'} template's input artifact needs a path`,
      )
    if (a.from !== undefined) checkRefs(a.from, `${path}.inputs.artifacts[${j}].from`, { inputs })
  }
  if (!t.outputs?.parameters) return
  ;(t.outputs?.parameters ?? []).forEach((p, j) => {
    const at = `${path}.outputs.parameters[${j}]`
    const vf = p.valueFrom ?? {}
    if (leaf && vf.path === undefined && p.value === undefined && vf.default === undefined)
      problems.push(
        `${at}: a ${t.script ? 'script' : 'container'} template's output needs valueFrom.path (or a value)`,
      )
    if (leaf && (vf.parameter !== undefined || vf.expression !== undefined))
      problems.push(
        `${at}: valueFrom.parameter and valueFrom.expression are for steps and DAG templates' outputs`,
      )
    for (const [key, text] of [
      ['valueFrom.parameter', vf.parameter],
      ['value', p.value],
    ] as const)
      if (text !== undefined) checkRefs(text, `${at}.${key}`, { inputs, steps, tasks: () => tasks })
    if (vf.expression !== undefined) {
      try {
        parseExpr(vf.expression)
      } catch (e) {
        problems.push(`${at}.valueFrom.expression: ${(e as Error).message}`)
      }
    }
  })
}
