import { parseArgs } from 'node:util'
import type { KObject } from 'metahooks'
import { CLUSTER_OPTIONS, type Command, Kube, pathOf, UsageError } from 'metahooks/cli'
import { RETRY_ANNOTATION, retryable, retryPatch } from './retry-workflow.ts'
import { WORKFLOWS } from './ui/live.ts'

/**
 * `metahooks workflow-retry NAME…`: `argo retry` for this engine — the merge patch the UI's Retry
 * sends, after checking each workflow is Failed or Error (the engine would refuse anything else,
 * in its status; here it is said at once, and nothing is patched).
 */
async function workflowRetry(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CLUSTER_OPTIONS, namespace: { type: 'string', short: 'n' } },
  })
  if (positionals.length === 0) throw new UsageError('workflow-retry needs a workflow name')
  const namespace = values.namespace ?? 'default'
  const kube = await Kube.connect(values)
  const workflows: KObject[] = []
  for (const name of positionals) {
    const found = await kube.get<KObject & { status?: { phase?: unknown } }>(
      pathOf(WORKFLOWS, namespace, name),
    )
    if (!found) throw new Error(`no Workflow ${name} in namespace ${namespace}`)
    const phase = found.status?.phase
    if (!retryable(phase))
      throw new Error(
        `Workflow ${namespace}/${name} is ${typeof phase === 'string' ? phase : 'Pending'}; only a Failed or Error workflow is retried`,
      )
    workflows.push(found)
  }
  for (const w of workflows) {
    const patch = retryPatch(new Date())
    await kube.request(
      'PATCH',
      pathOf(WORKFLOWS, namespace, w.metadata.name),
      patch,
      'application/merge-patch+json',
    )
    console.log(
      `Workflow ${namespace}/${w.metadata.name}: retry requested (${RETRY_ANNOTATION}=${patch.metadata.annotations[RETRY_ANNOTATION]})`,
    )
  }
}

export const workflowRetryCommand: Command = {
  name: 'workflow-retry',
  usage: `  metahooks workflow-retry NAME... [-n NS] [--context NAME] [--kubeconfig FILE]
      Runs Failed or Error workflows again from where they failed (argo retry): sets the annotation
      ${RETRY_ANNOTATION} and removes spec.shutdown; what succeeded is kept.`,
  run: (args) => workflowRetry(args),
}
