import { viewOf, type WorkflowView } from './view.ts'
import type { KObject } from 'metahooks'
import { asStored, Simulation, type Round } from 'metahooks/testing'
import workflow from '../index.ts'
import { outcomes, type StepOutcome } from '../outcomes.ts'
import { jsonMergePatch } from '../pod-spec-patch.ts'
import { retryPatch } from '../retry-workflow.ts'

const START = '2026-01-01T00:00:00Z'

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
    // As the API server stores it (files give generateName a fixed suffix already: loadObjects).
    const named = asStored(workflow, this.parent)
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

  /**
   * A failed run retried as the live page's Retry does (the same patch, at the simulated time),
   * and its first round: the decisions made since apply to the steps that run again.
   */
  async retry(): Promise<void> {
    const patch = retryPatch(new Date(this.now))
    this.simulation.updateParent((p) => jsonMergePatch(p, patch) as KObject)
    await this.step()
  }

  /** From the beginning, keeping the decisions. */
  restart(): void {
    this.rounds.length = 0
    this.simulation = this.start()
  }
}
