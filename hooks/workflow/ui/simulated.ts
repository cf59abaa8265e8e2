import type { KObject } from 'metahooks'
import { Simulation, type Round } from 'metahooks/testing'
import workflow from '../index.ts'
import { expand, FinishedPods, nodeId } from '../compact.ts'
import type { NodeRecord } from '../nodes.ts'
import type { DagTemplate } from './graph.ts'
import { outcomes, type StepOutcome } from '../outcomes.ts'

const START = '2026-01-01T00:00:00Z'

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
    nodes: allNodes(parent.metadata.name, status),
    templates: templatesOf(parent),
  }
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

/**
 * "What would this workflow do", without a cluster: the engine behind the simulator, one round at
 * a time. Steps succeed unless told otherwise; `decide` makes a step (by display name, loop
 * expansions included) fail, print a result or write output files before it runs.
 */
export class SimulatedRun {
  readonly rounds: Round[] = []
  private readonly table: Record<string, StepOutcome> = {}
  private simulation: Simulation

  constructor(private readonly parent: KObject) {
    this.simulation = this.start()
  }

  private start(): Simulation {
    const named = parent(this.parent)
    return new Simulation(workflow, {
      parent: named,
      startTime: START,
      podOutcome: outcomes(this.table),
    })
  }

  get view(): WorkflowView {
    return viewOf(this.simulation.parent ?? this.parent)
  }

  /** The simulated clock (ms): ages and durations on the page are read against it, not the wall clock. */
  get now(): number {
    return this.simulation.cluster.now
  }

  get done(): boolean {
    return ['Succeeded', 'Failed', 'Error'].includes(this.view.phase)
  }

  /** One round: Metacontroller's sync, then the kubelet's move. */
  async step(): Promise<Round> {
    const round = await this.simulation.step()
    this.rounds.push(round)
    return round
  }

  /** Rounds until the workflow ends or `max` rounds pass. */
  async finish(max = 200): Promise<void> {
    for (let i = 0; i < max && !this.done; i++) await this.step()
  }

  /** How a step that has not run yet will end. */
  decide(step: string, outcome: StepOutcome): void {
    this.table[step] = outcome
  }

  /** From the beginning, keeping the decisions. */
  restart(): void {
    this.rounds.length = 0
    this.simulation = this.start()
  }
}

/** A Workflow from a file: generateName gets a fixed suffix (as the API server would add one). */
function parent(object: KObject): KObject {
  const generateName = (object.metadata as { generateName?: string }).generateName
  const name = object.metadata.name || `${generateName ?? 'workflow-'}00000`
  return {
    ...object,
    metadata: { ...object.metadata, name, namespace: object.metadata.namespace ?? 'default' },
  }
}
