import type { NodeRecord } from './nodes.ts'
import type { Run } from './state.ts'

/**
 * Daemons end with the steps or DAG that started them (Argo: "destroyed when the workflow exits the
 * template scope in which the daemon was invoked"). Once that template's node is finished, every
 * daemon still up under it — directly, or through its groups, loops and retries, not through a
 * nested steps or DAG template, which stops its own — is recorded as Succeeded now; its Pod leaves
 * the answer on the next sync, once that record is what Metacontroller sends back.
 */
/** A daemon (or a group or retry of them) still up. */
export const isUp = (n: NodeRecord) => n.daemoned === true && n.phase === 'Running'

export function stopDaemons(run: Run, node: NodeRecord, scope: 'steps' | 'DAG'): void {
  for (const id of node.children ?? []) {
    const child = run.nodeById(id)
    if (!child) continue
    if (isUp(child))
      run.record(child.name, {
        ...child,
        phase: 'Succeeded',
        finishedAt: run.now,
        message: `stopped: the ${scope} it ran in ended`,
      })
    if (child.type === 'StepGroup' || child.type === 'TaskGroup' || child.type === 'Retry')
      stopDaemons(run, child, scope)
  }
}
