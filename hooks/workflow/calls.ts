import { artifactArguments } from './artifacts.ts'
import { configMapValue } from './configmaps.ts'
import { ExpressionError, whenHolds } from './expressions.ts'
import { runCallHooks } from './lifecycle.ts'
import { iterations } from './loops.ts'
import { exportGlobals } from './outputs.ts'
import {
  aggregate,
  exitHandlerOf,
  isFailure,
  isFulfilled,
  latest,
  letsScopeOn,
  type NodeRecord,
  type Phase,
  type Scope,
} from './nodes.ts'
import type { Step, Task } from './schema.ts'
import type { Run } from './state.ts'
import { isSubstitutionError, substitute } from './substitute.ts'
import { runTemplate } from './templates.ts'
import { lookup } from './variables.ts'

/** Where a step or task is called: its node name, display name, and the scope of its caller. */
export interface CallSite {
  name: string
  displayName: string
  scope: Scope
  /** Slots left under the calling template's parallelism (shared by its calls). */
  parallelism: { left: number }
  /** The calling template's failFast: a loop starts no new iteration once one has failed. */
  failFast?: boolean
  /** Whether it is a step or a DAG task (its hooks' expressions say `steps.X` or `tasks.X`). */
  kind: 'steps' | 'tasks'
}

/** Runs one step or task (its loop, `when` and arguments); undefined when it has not started. */
export function runCall(run: Run, site: CallSite, call: Step | Task): NodeRecord | undefined {
  const { name, displayName, scope } = site
  const loop = iterations(run, call, scope)
  if (loop === undefined) return runOnce(run, site, call)
  if (typeof loop === 'string')
    return run.record(name, {
      displayName,
      type: 'TaskGroup',
      phase: 'Error',
      startedAt: run.now,
      finishedAt: run.now,
      message: loop,
    })
  const children: NodeRecord[] = []
  let stopped = false
  for (const [label, itemScope] of loop) {
    const childName = `${name}${label}`
    if (stopped && !run.memo(childName)) continue
    const child = runOnce(
      run,
      {
        ...site,
        name: childName,
        displayName: `${displayName}${label}`,
        scope: { ...scope, ...itemScope },
      },
      call,
    )
    if (child) children.push(child)
    if (child && isFailure(child.phase) && site.failFast) stopped = true
  }
  if (children.length === 0 && loop.length > 0) return undefined
  const failed = children.find((c) => isFailure(c.phase))
  const allDone =
    (children.length === loop.length || (stopped && failed !== undefined)) &&
    children.every(letsScopeOn)
  // Iterations that are daemons still up keep the group Running, and up itself.
  const daemons = allDone && !failed && children.some((c) => !isFulfilled(c.phase))
  const phase: Phase = !allDone || daemons ? 'Running' : failed ? failed.phase : 'Succeeded'
  const outputs = allDone && run.referenced.has(displayName) ? aggregate(children) : undefined
  return run.record(name, {
    displayName,
    type: 'TaskGroup',
    phase,
    startedAt: children[0]?.startedAt ?? run.now,
    ...(allDone && !daemons && { finishedAt: latest(children) }),
    ...(daemons && { daemoned: true }),
    children: children.map((c) => run.id(c.name)),
    ...(outputs && { outputs }),
  })
}

function runOnce(run: Run, site: CallSite, call: Step | Task): NodeRecord | undefined {
  const { name, displayName, scope, parallelism } = site
  const memo = run.memo(name)
  if (memo && (memo.phase === 'Skipped' || memo.phase === 'Omitted'))
    return run.record(name, { ...memo })
  // A Pod node that finished and whose Pod is gone cannot change: it is recorded as it was, without
  // evaluating its call again (what keeps a sync of a 10,000-task DAG fast).
  const exit = exitHandlerOf(call)
  if (memo && run.podGone(memo) && exit === undefined && call.hooks === undefined) {
    if (memo.phase === 'Succeeded' && memo.outputs)
      exportGlobals(
        run,
        { template: run.template(call.template!) },
        memo.outputs.parameters ?? {},
        memo.outputs.artifacts,
      )
    return run.keep(name, memo)
  }
  try {
    // A node that started was allowed to: its `when` is not asked again.
    if (!memo && call.when !== undefined && !whenHolds(substitute(call.when, lookup(run, scope)))) {
      return run.record(name, {
        displayName,
        type: 'Skipped',
        phase: 'Skipped',
        startedAt: run.now,
        finishedAt: run.now,
        message: `when '${call.when}' evaluated false`,
      })
    }
    // A node that started keeps the inputs it started with (runTemplate reads them from the memo).
    const args = memo?.inputs ? {} : argumentValues(run, call.arguments, scope)
    if (!memo && parallelism.left <= 0) return undefined
    const ran = runTemplate(
      run,
      { name, displayName, template: run.template(call.template!) },
      args,
    )
    if (!memo && ran && !isFulfilled(ran.phase)) parallelism.left--
    const node = ran && call.hooks ? runCallHooks(run, site, call, ran) : ran
    return node && exit ? runCallExit(run, site, exit, node) : node
  } catch (error) {
    if (!isSubstitutionError(error) && !(error instanceof ExpressionError)) throw error
    return run.error(site, error.message)
  }
}

/** The values of a call's (or hook's) arguments in a scope: literal values substituted, ConfigMap keys read. */
export function argumentValues(run: Run, args: Step['arguments'], scope: Scope): Scope {
  const out: Scope = {}
  for (const a of args?.parameters ?? []) {
    const value =
      a.value !== undefined
        ? substitute(a.value, lookup(run, scope))
        : a.valueFrom?.configMapKeyRef
          ? configMapValue(run, a.valueFrom.configMapKeyRef)
          : undefined
    if (value !== undefined) out[a.name] = value
  }
  return { ...out, ...artifactArguments(run, args?.artifacts, scope) }
}

/**
 * A step's or task's own exit handler (`onExit`, or `hooks.exit` with its arguments): runs once the
 * node is done, as the node `<name>.onExit`; until it ends the call counts as running, and if it
 * fails, the call fails.
 */
function runCallExit(
  run: Run,
  site: CallSite,
  handler: NonNullable<ReturnType<typeof exitHandlerOf>>,
  node: NodeRecord,
): NodeRecord {
  if (!isFulfilled(node.phase)) return node
  const exit = runTemplate(
    run,
    {
      name: `${site.name}.onExit`,
      displayName: `${site.displayName}.onExit`,
      template: run.template(handler.template),
    },
    argumentValues(run, handler.arguments, site.scope),
  )
  if (!exit || !isFulfilled(exit.phase)) return { ...node, phase: 'Running' }
  if (isFailure(exit.phase) && !isFailure(node.phase))
    return { ...node, phase: exit.phase, message: `its exit handler ${exit.phase.toLowerCase()}` }
  return node
}
