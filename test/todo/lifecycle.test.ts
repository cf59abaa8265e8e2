import { describe, expect, it } from 'vitest'
import todo from '../../hooks/todo/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

describe('todo', () => {
  it('conforms: converges, idempotent, deterministic, 422 on invalid specs, nothing left on delete', async () => {
    const problems = await checkConformance(todo, {
      parent: one('todo-items.yaml'),
      startTime: '2020-07-25T12:00:00Z',
      invalidSpecs: [{ dueDate: 'tomorrow' }, { item: 42 }, { dueDate: '2020-13-01' }],
    })
    expect(problems).toEqual([])
  })

  it('turns overdue at midnight UTC through its own resync', async () => {
    const sim = new Simulation(todo, {
      parent: one('todo-items.yaml'),
      startTime: '2020-07-26T20:00:00Z',
    })
    const result = await sim.run({ maxRounds: 10 })
    const status = sim.status
    expect(status).toMatchObject({ state: 'Overdue', overdue: true })
    // Woken by resyncAfterSeconds at midnight, not by polling.
    const overdueRound = result.rounds.find((r) =>
      r.actions.some((a) => a.type === 'status' && a.detail?.includes('Overdue')),
    )!
    expect(overdueRound.time).toBe('2020-07-27T00:00:00Z')
  })
})
