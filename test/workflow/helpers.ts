import type { Pod } from 'kubernetes-types/core/v1'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import type { NodeRecord } from '../../hooks/workflow/nodes.ts'
import { outcomes, type StepOutcome } from '../../hooks/workflow/outcomes.ts'
import { slotObject, type Lock } from '../../hooks/workflow/synchronization.ts'

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

/** A workflow of the namespace (the one syncing, or another), created at `minute` past START. */
export function named(
  name: string,
  spec: Record<string, unknown>,
  minute: number,
  phase?: string,
): KObject {
  const w = wf(spec, name)
  return {
    ...w,
    metadata: {
      ...w.metadata,
      uid: `uid-${name}`,
      creationTimestamp: `2026-01-01T00:0${minute}:00Z`,
    },
    ...(phase && { status: { phase } }),
  } as KObject
}

/** The slot ConfigMap as the API server keeps it once `holder` made it. */
export function held(lock: Lock, slot: number, holder: string): KObject {
  const o = slotObject(lock, slot, holder)
  return {
    ...o,
    metadata: {
      ...o.metadata,
      namespace: 'default',
      ownerReferences: [
        {
          apiVersion: 'workflows.metahooks.dev/v1alpha1',
          kind: 'Workflow',
          name: holder,
          uid: `uid-${holder}`,
          controller: true,
        },
      ],
    },
  } as KObject
}
