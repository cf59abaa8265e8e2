import { SEQUENCE_FORMAT } from './loops.ts'
import { parseExpr } from './expr/index.ts'
import { parseWhen } from './expressions.ts'
import type { LifecycleHook, Step, Task, Template } from './schema.ts'
import type { CheckRefs } from './validate-io.ts'

/** What a step's or task's texts may refer to: its template's inputs, earlier steps, tasks before it. */
export type CallScope = { inputs: Set<string>; steps?: Set<string>; tasks?: () => Set<string> }

/** What the call checks share with the rest of validateWorkflow (validate.ts). */
export interface CallCheckContext {
  problems: string[]
  templates: Map<string, { t: Template; i: number }>
  /** Records a problem when no template has this name. */
  known: (name: string, path: string) => void
  checkRefs: CheckRefs
  /** Runs `check` with the exit handler's variables in scope (a hook's arguments see them). */
  asExit: (check: () => void) => void
}

/**
 * The checks of one step or task (its template, loop, arguments, `when`, exit handler and hooks)
 * and of a lifecycle hook, pushing problems, each with its path, to the shared list.
 */
export function callChecks({ problems, templates, known, checkRefs, asExit }: CallCheckContext) {
  const checkWhen = (when: string | undefined, path: string) => {
    if (when === undefined) return
    try {
      parseWhen(when.replace(/\{\{[^{}]*\}\}/g, 'x'))
    } catch (e) {
      problems.push(`${path}: ${(e as Error).message}`)
    }
  }
  const checkCall = (call: Step | Task, path: string, scope: CallScope) => {
    if (call.onExit !== undefined) known(call.onExit, `${path}.onExit`)
    if (call.template === undefined) problems.push(`${path}: needs template or inline`)
    else known(call.template, `${path}.template`)
    const loop =
      call.withItems !== undefined ||
      call.withSequence !== undefined ||
      call.withParam !== undefined
    const loops = [call.withItems, call.withSequence, call.withParam].filter(
      (l) => l !== undefined,
    ).length
    if (loops > 1) problems.push(`${path}: use one of withItems, withSequence, withParam`)
    // Most calls have nothing to check here: the scope with `item` is made only for those that do.
    if (call.arguments?.parameters || call.arguments?.artifacts || call.when) {
      const inner = { ...scope, loop }
      for (const a of call.arguments?.artifacts ?? [])
        if (a.from !== undefined)
          checkRefs(a.from, `${path}.arguments.artifacts.${a.name}.from`, inner)
      for (const a of call.arguments?.parameters ?? []) {
        if (a.value !== undefined)
          checkRefs(a.value, `${path}.arguments.parameters.${a.name}`, inner)
        else if (!a.valueFrom)
          problems.push(`${path}.arguments.parameters.${a.name}: needs a value`)
      }
      if (call.when) checkRefs(call.when, `${path}.when`, inner)
      checkWhen(call.when, `${path}.when`)
    }
    if (call.withParam) checkRefs(call.withParam, `${path}.withParam`, { ...scope, loop: false })
    if (
      call.withSequence &&
      call.withSequence.count === undefined &&
      call.withSequence.end === undefined
    )
      problems.push(`${path}.withSequence: needs count or end`)
    const format = call.withSequence?.format
    if (format !== undefined && /%/.test(format.replace(SEQUENCE_FORMAT, '')))
      problems.push(
        `${path}.withSequence.format: ${JSON.stringify(format)} uses a verb other than %d, %x, %X, %o, %b (with width and 0 or - flags)`,
      )
    for (const key of ['start', 'end', 'count'] as const) {
      const v = call.withSequence?.[key]
      if (typeof v === 'string') checkRefs(v, `${path}.withSequence.${key}`, scope)
    }
    needsArguments(call.template, call.arguments, path)
    for (const [hookName, hook] of Object.entries(call.hooks ?? {})) {
      if (hookName === 'exit' && call.onExit !== undefined)
        problems.push(`${path}.hooks.exit: use onExit or hooks.exit, not both`)
      checkHook(
        hook,
        `${path}.hooks.${hookName}`,
        hookName === 'exit' ? 'exit' : 'expression',
        scope,
      )
    }
  }
  /** A call's (or hook's) arguments give every input its template needs; those it does not declare are ignored, as in Argo. */
  const needsArguments = (template: string | undefined, args: Step['arguments'], path: string) => {
    const target = templates.get(template ?? '')?.t
    if (!target?.inputs?.parameters) return
    const passed = new Set((args?.parameters ?? []).map((a) => a.name))
    for (const p of target.inputs.parameters) {
      if (
        !passed.has(p.name) &&
        p.value === undefined &&
        p.default === undefined &&
        p.valueFrom === undefined
      )
        problems.push(`${path}.arguments: template "${target.name}" needs parameter "${p.name}"`)
    }
  }
  /** A lifecycle hook: the one named `exit` runs when what it is attached to ends, any other when its expression first holds. */
  const checkHook = (
    hook: LifecycleHook,
    path: string,
    kind: 'exit' | 'expression',
    scope: CallScope,
  ) => {
    // A templateRef was resolved into template with the workflow's other references (template-refs.ts).
    if (hook.template === undefined) problems.push(`${path}: needs template or templateRef`)
    else known(hook.template, `${path}.template`)
    if (kind === 'exit' && hook.expression !== undefined)
      problems.push(
        `${path}.expression: the exit hook runs when what it is attached to ends, and takes no expression (give the hook another name)`,
      )
    if (kind === 'expression' && hook.expression === undefined)
      problems.push(`${path}: needs an expression (only the hook named exit runs without one)`)
    if (hook.expression !== undefined) {
      try {
        parseExpr(hook.expression)
      } catch (e) {
        problems.push(`${path}.expression: ${(e as Error).message}`)
      }
    }
    needsArguments(hook.template, hook.arguments, path)
    asExit(() => {
      for (const a of hook.arguments?.parameters ?? [])
        if (a.value !== undefined)
          checkRefs(a.value, `${path}.arguments.parameters.${a.name}`, scope)
    })
  }

  return { checkCall, checkHook }
}
