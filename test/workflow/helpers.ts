import type { Pod } from 'kubernetes-types/core/v1'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import type { NodeRecord } from '../../hooks/workflow/nodes.ts'
import { outcomes, type StepOutcome } from '../../hooks/workflow/outcomes.ts'

export const START = '2026-01-01T00:00:00Z'

export function wf(spec: Record<string, unknown>, name = 'wf'): KObject {
  return {
    apiVersion: 'workflows.metahooks.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: 'default' },
    spec,
  }
}

export { outcomes, type StepOutcome } from '../../hooks/workflow/outcomes.ts'

export function simulate(
  spec: Record<string, unknown>,
  table: Record<string, StepOutcome | StepOutcome[]> = {},
  name = 'wf',
) {
  return new Simulation(workflow, {
    parent: wf(spec, name),
    startTime: START,
    podOutcome: outcomes(table),
  })
}

export const nodes = (sim: Simulation) => (sim.status?.nodes ?? {}) as Record<string, NodeRecord>

/** Node phases by display name (the last one wins for repeated names). */
export function phases(sim: Simulation): Record<string, string> {
  return Object.fromEntries(Object.values(nodes(sim)).map((n) => [n.displayName, n.phase]))
}

export const pods = (sim: Simulation) => sim.objects().filter((o) => o.kind === 'Pod')

export const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  container: { image: 'alpine:3', command: ['sh', '-c', `echo ${name}`] },
  ...extra,
})
