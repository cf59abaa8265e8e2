// What the UI's pages show of a Workflow, from the object as stored (live) or simulated.
import type { KObject } from 'metahooks'
import { expand, FinishedPods, nodeId } from '../compact.ts'
import type { NodeRecord } from '../nodes.ts'
import { RetryStatus } from '../retry-workflow.ts'
import type { DagTemplate } from './graph.ts'

/** What the page shows of a workflow: the parent's identity and its status as the engine wrote it. */
export interface WorkflowView {
  namespace: string
  name: string
  phase: string
  message?: string
  progress?: string
  startedAt?: string
  finishedAt?: string
  /** When the Workflow was created (the list's age). */
  createdAt?: string
  /** `status.retry`: how often it was retried, and why the last request was not carried out. */
  retry?: { count: number; message?: string }
  nodes: Record<string, NodeRecord>
  /** The workflow's templates, for the DAG edges (what each task waits for). */
  templates: DagTemplate[]
}

export function viewOf(parent: KObject): WorkflowView {
  const status = (parent as { status?: Record<string, unknown> }).status ?? {}
  return {
    namespace: parent.metadata.namespace ?? 'default',
    name: parent.metadata.name,
    phase: typeof status.phase === 'string' ? status.phase : 'Pending',
    ...(typeof status.message === 'string' && { message: status.message }),
    ...(typeof status.progress === 'string' && { progress: status.progress }),
    ...(typeof status.startedAt === 'string' && { startedAt: status.startedAt }),
    ...(typeof status.finishedAt === 'string' && { finishedAt: status.finishedAt }),
    ...(typeof parent.metadata.creationTimestamp === 'string' && {
      createdAt: parent.metadata.creationTimestamp,
    }),
    ...retryOf(status.retry),
    nodes: allNodes(parent.metadata.name, status),
    templates: templatesOf(parent),
  }
}

function retryOf(value: unknown): Pick<WorkflowView, 'retry'> {
  const retry = RetryStatus.safeParse(value)
  if (value === undefined || !retry.success) return {}
  const { count, message } = retry.data
  return { retry: { count, ...(message !== undefined && { message }) } }
}

/** Every node, those a large workflow keeps as `finishedPods` rows too (compact.ts), by id. */
function allNodes(workflow: string, status: Record<string, unknown>): Record<string, NodeRecord> {
  const nodes = (status.nodes ?? {}) as Record<string, NodeRecord>
  const table = FinishedPods.safeParse(status.finishedPods)
  if (status.finishedPods === undefined || !table.success) return nodes
  return Object.fromEntries(
    [...expand(workflow, nodes, table.data).nodes].map(([name, node]) => [
      nodeId(workflow, name),
      node,
    ]),
  )
}

/** The templates the engine ran: the spec's own, else those stored from a workflowTemplateRef. */
function templatesOf(parent: KObject): DagTemplate[] {
  const spec = (parent as { spec?: { templates?: DagTemplate[] } }).spec
  const stored = (
    parent as { status?: { storedTemplates?: Record<string, { templates?: DagTemplate[] }> } }
  ).status?.storedTemplates
  return [
    ...(spec?.templates ?? []),
    ...Object.values(stored ?? {}).flatMap((t) => t.templates ?? []),
  ]
}
