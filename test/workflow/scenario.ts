import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { START, outcomes, type StepOutcome } from './helpers.ts'

/**
 * A workflow scenario: an Argo workflow exactly as Argo's users write it (only `apiVersion` is
 * changed, by the runner), how each of its Pods ends, and what Argo's status would say. Any Argo
 * workflow can be dropped into test/workflow/scenarios/ as a case.
 */
export interface Scenario {
  file: string
  reason: string
  /** How each Pod ends, by the step or task name (a list: attempt by attempt). Unlisted Pods succeed. */
  pods?: Record<string, StepOutcome | StepOutcome[]>
  workflow: KObject
  /** Other objects in the cluster: WorkflowTemplates, ClusterWorkflowTemplates, ConfigMaps (Argo's apiVersion is changed too). */
  objects?: KObject[]
  /** Arbitrary parent changes after N rounds: `{ after: 3, spec: { resume: [approve] } }`. */
  then?: { after: number; spec?: Record<string, unknown>; update?: KObject[] }[]
  expect: {
    phase: string
    /** A regular expression the workflow's message must match. */
    message?: string
    /** Node phases by display name. */
    nodes?: Record<string, string>
    /** Node outputs by display name (a subset). */
    outputs?: Record<string, Record<string, unknown>>
    /** Fields of the Pod of a node, by display name (a subset). */
    pods?: Record<string, Record<string, unknown>>
    /** The workflow's status (a subset), for what the other keys do not cover. */
    status?: Record<string, unknown>
  }
}

const DIR = join(import.meta.dirname, 'scenarios')

export function loadScenarios(dir = DIR): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({
      file,
      ...(parse(readFileSync(join(dir, file), 'utf8')) as Omit<Scenario, 'file'>),
    }))
}

/** The workflow as our CRD takes it: our apiVersion, a name for generateName, the default namespace. */
export function asOurs(object: KObject): KObject {
  const meta = object.metadata as KObject['metadata'] & { generateName?: string }
  const { generateName, ...metadata } = meta
  const apiVersion =
    object.apiVersion === 'argoproj.io/v1alpha1'
      ? 'workflows.metahooks.dev/v1alpha1'
      : object.apiVersion
  const clusterScoped = object.kind === 'ClusterWorkflowTemplate'
  return {
    ...object,
    apiVersion,
    metadata: {
      ...metadata,
      name: meta.name ?? `${(generateName ?? 'wf-').replace(/-$/, '')}`,
      ...(!clusterScoped && { namespace: meta.namespace ?? 'default' }),
    },
  }
}

export async function runScenario(s: Scenario): Promise<Simulation> {
  const sim = new Simulation(workflow, {
    parent: asOurs(s.workflow),
    objects: (s.objects ?? []).map(asOurs),
    startTime: START,
    podOutcome: outcomes(s.pods ?? {}),
  })
  for (const change of s.then ?? []) {
    for (let i = 0; i < change.after; i++) await sim.step()
    if (change.spec)
      sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), ...change.spec } }))
    for (const o of change.update ?? []) {
      const ours = asOurs(o)
      const existing = sim.cluster
        .list()
        .find((x) => x.kind === ours.kind && x.metadata.name === ours.metadata.name)
      if (existing)
        sim.cluster.update({
          ...existing,
          ...ours,
          metadata: { ...existing.metadata, ...ours.metadata },
        } as never)
      else sim.cluster.create(ours as never)
    }
  }
  await sim.run({ maxRounds: 200 })
  return sim
}
