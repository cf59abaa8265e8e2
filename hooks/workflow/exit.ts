import { argumentValues } from './calls.ts'
import { exitHandlerOf, isFailure, isFulfilled, type NodeRecord, type Phase } from './nodes.ts'
import type { Run } from './state.ts'
import { runTemplate } from './templates.ts'

/**
 * The workflow's exit handler (`onExit`, or the lifecycle hook named `exit`): runs once the workflow
 * is done (not when terminated or past its deadline), sees `{{workflow.status}}`, and a failing
 * handler fails a workflow that succeeded.
 */
export function runExitHandler(
  run: Run,
  root: NodeRecord,
  phase: Phase,
  message: string | undefined,
): { phase: Phase; message: string | undefined } {
  const { spec, workflow } = run.input
  const handler = exitHandlerOf(spec)
  if (!handler || !isFulfilled(root.phase) || run.terminating) return { phase, message }
  run.workflowStatus =
    root.phase === 'Skipped' || root.phase === 'Omitted' ? 'Succeeded' : root.phase
  run.scheduling = true
  const exit = runTemplate(
    run,
    {
      name: `${workflow.name}.onExit`,
      displayName: 'onExit',
      template: run.template(handler.template),
    },
    argumentValues(run, handler.arguments, {}),
  )
  if (!exit || !isFulfilled(exit.phase)) return { phase: 'Running', message }
  if (isFailure(exit.phase) && !isFailure(root.phase))
    return { phase: exit.phase, message: `the exit handler ${exit.phase.toLowerCase()}` }
  return { phase, message }
}
