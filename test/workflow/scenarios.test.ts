import { describe, expect, it } from 'vitest'
import { NODE_NAME_ANNOTATION } from '../../hooks/workflow/pods.ts'
import { nodes, pods } from './helpers.ts'
import { loadScenarios, runScenario } from './scenario.ts'

/** Argo workflows, unchanged but for apiVersion, run in the simulator to the phase and outputs Argo gives. */
describe('workflow: Argo scenarios (test/workflow/scenarios/*.yaml)', () => {
  it.each(loadScenarios().map((s) => [s.file, s] as const))('%s', async (_, scenario) => {
    const sim = await runScenario(scenario)
    const { expect: want } = scenario
    const byName = Object.fromEntries(Object.values(nodes(sim)).map((n) => [n.displayName, n]))
    const errors = Object.values(nodes(sim))
      .filter((n) => n.message)
      .map((n) => `${n.displayName}: ${n.message}`)
    expect(sim.status?.phase, `${scenario.reason}\n  node messages: ${errors.join(' | ')}`).toBe(
      want.phase,
    )
    if (want.message !== undefined) expect(sim.status?.message).toMatch(new RegExp(want.message))
    for (const [name, phase] of Object.entries(want.nodes ?? {}))
      expect(byName[name]?.phase, `node ${name}`).toBe(phase)
    for (const [name, outputs] of Object.entries(want.outputs ?? {}))
      expect(byName[name]?.outputs, `outputs of ${name}`).toMatchObject(outputs)
    for (const [name, fields] of Object.entries(want.pods ?? {})) {
      const pod = pods(sim).find(
        (p) => p.metadata.annotations?.[NODE_NAME_ANNOTATION]?.split('.').pop() === name,
      )
      expect(pod, `the Pod of ${name}`).toBeDefined()
      expect(pod, `the Pod of ${name}`).toMatchObject(fields)
    }
    if (want.status) expect(sim.status).toMatchObject(want.status)
  })
})
