import type { KObject } from 'metahooks'
import { type Kube, pathOf } from 'metahooks/cli'
import { isWorkflowDone } from '../nodes.ts'
import { retryable, retryPatch } from '../retry-workflow.ts'
import { viewOf, type WorkflowView } from './view.ts'

export const WORKFLOWS = {
  apiVersion: 'workflows.metahooks.dev/v1alpha1',
  kind: 'Workflow',
  resource: 'workflows',
  scope: 'Namespaced',
} as const

const key = (o: KObject) => `${o.metadata.namespace}/${o.metadata.name}`

/**
 * The cluster's Workflows as the page shows them, kept current by a watch: listed once, then every
 * event applied as it comes; when the API server ends the watch (it does every few minutes, or
 * with 410 Gone when the version is too old) it lists again. Pages read this copy, so an open page
 * costs the API server nothing.
 */
export class LiveWorkflows {
  private readonly workflows = new Map<string, KObject>()
  private stopWatch = () => {}
  private stopped = false
  /** Changes with every event: a page polls it to know when to reload. */
  version = 0
  readonly ready: Promise<void>

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string | undefined,
  ) {
    this.ready = this.sync()
  }

  private async sync(): Promise<void> {
    const path = pathOf(WORKFLOWS, this.namespace)
    const { items, resourceVersion } = await this.kube.listWithVersion<KObject>(path)
    this.workflows.clear()
    for (const o of items) this.workflows.set(key(o), o)
    this.version++
    const watch = await this.kube.watch(path, resourceVersion, ({ type, object }) => {
      if (type === 'ADDED' || type === 'MODIFIED')
        this.workflows.set(key(object), { ...WORKFLOWS, ...object })
      else if (type === 'DELETED') this.workflows.delete(key(object))
      else return
      this.version++
    })
    this.stopWatch = watch.stop
    void watch.ended.then(() => {
      if (!this.stopped) setTimeout(() => void this.sync().catch(() => undefined), 1000).unref()
    })
  }

  list(): WorkflowView[] {
    return [...this.workflows.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(viewOf)
  }

  get(namespace: string, name: string): WorkflowView | undefined {
    const o = this.workflows.get(`${namespace}/${name}`)
    return o && viewOf(o)
  }

  stop(): void {
    this.stopped = true
    this.stopWatch()
  }
}

/**
 * What the action buttons do (JSON merge patches of fields the engine reads, docs/workflow.md),
 * and for which phases each is offered.
 */
export interface Action {
  label: string
  offered: (phase: string) => boolean
  patch: (now: Date) => Record<string, unknown>
}

const unfinished = (phase: string) => !isWorkflowDone(phase)

export const ACTIONS: Record<string, Action> = {
  suspend: { label: 'Suspend', offered: unfinished, patch: () => ({ spec: { suspend: true } }) },
  resume: { label: 'Resume', offered: unfinished, patch: () => ({ spec: { suspend: null } }) },
  stop: { label: 'Stop', offered: unfinished, patch: () => ({ spec: { shutdown: 'Stop' } }) },
  terminate: {
    label: 'Terminate',
    offered: unfinished,
    patch: () => ({ spec: { shutdown: 'Terminate' } }),
  },
  retry: { label: 'Retry', offered: retryable, patch: retryPatch },
}
