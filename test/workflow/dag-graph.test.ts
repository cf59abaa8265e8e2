import { describe, expect, it } from 'vitest'
import { dagGraph, findCycle, topologicalOrder } from '../../hooks/workflow/dag-graph.ts'
import type { Task } from '../../hooks/workflow/schema.ts'

const task = (name: string, more: Partial<Task> = {}): Task =>
  ({ name, template: 'job', ...more }) as Task
const names = (tasks: Task[], positions: number[]) => positions.map((k) => tasks[k]!.name)

describe('dagGraph', () => {
  const cases: {
    name: string
    reason: string
    tasks: Task[]
    order: string[]
    problems?: string[]
  }[] = [
    {
      name: 'written in order',
      reason: 'independent tasks keep the order the spec gives them',
      tasks: [task('a'), task('b'), task('c', { dependencies: ['a'] })],
      order: ['a', 'b', 'c'],
    },
    {
      name: 'written out of order',
      reason:
        'a task always comes after what it depends on, its dependencies followed in the order it names them',
      tasks: [
        task('d', { depends: 'b && c' }),
        task('c', { dependencies: ['a'] }),
        task('b', { dependencies: ['a'] }),
        task('a'),
      ],
      order: ['a', 'b', 'c', 'd'],
    },
    {
      name: 'problems',
      reason: 'each is reported once, at its path under the DAG',
      tasks: [
        task('a'),
        task('a'),
        task('b', { dependencies: ['z'] }),
        task('c', { dependencies: ['a'], depends: 'a' }),
        task('d', { depends: 'a &&' }),
      ],
      order: ['a', 'b', 'c', 'd'],
      problems: [
        '.tasks[1].name: duplicate task "a"',
        '.tasks[2]: depends on unknown task "z"',
        '.tasks[3]: use dependencies or depends, not both',
      ],
    },
  ]
  it.each(cases)('$name', ({ tasks, order, problems }) => {
    const graph = dagGraph(tasks)
    const shown = graph.problems.map((p) => `${p.at}: ${p.message}`)
    if (problems) expect(shown.slice(0, problems.length)).toEqual(problems)
    else expect(shown).toEqual([])
    expect(
      names(tasks, topologicalOrder(graph)).filter((n, i, all) => all.indexOf(n) === i),
    ).toEqual(order)
  })

  it('a depends that does not parse is a problem at .depends', () => {
    expect(dagGraph([task('a'), task('b', { depends: 'a &&' })]).problems).toEqual([
      { at: '.tasks[1].depends', message: expect.any(String) },
    ])
  })

  it('is worked out once per tasks array (validation and the run share it)', () => {
    const tasks = [task('a'), task('b', { dependencies: ['a'] })]
    expect(dagGraph(tasks)).toBe(dagGraph(tasks))
    expect(dagGraph([...tasks])).not.toBe(dagGraph(tasks))
  })

  it('roots restrict the order to what they reach, in the order given', () => {
    const tasks = [task('x', { dependencies: ['c'] }), task('a'), task('c')]
    const graph = dagGraph(tasks)
    expect(names(tasks, topologicalOrder(graph, [1, 2]))).toEqual(['a', 'c'])
    expect(names(tasks, topologicalOrder(graph))).toEqual(['c', 'x', 'a'])
  })

  it('walks a 10,000-task chain without recursion', () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) =>
      task(`t${i}`, i > 0 ? { dependencies: [`t${i - 1}`] } : {}),
    )
    tasks.reverse()
    const order = topologicalOrder(dagGraph(tasks))
    expect(names(tasks, order).slice(0, 3)).toEqual(['t0', 't1', 't2'])
    expect(order).toHaveLength(10_000)
    expect(findCycle(dagGraph(tasks).deps)).toBeUndefined()
  })
})

describe('findCycle', () => {
  const cases: { name: string; edges: number[][]; cycle: number[] | undefined }[] = [
    { name: 'no edges', edges: [[], []], cycle: undefined },
    { name: 'a diamond is not a cycle', edges: [[], [0], [0], [1, 2]], cycle: undefined },
    { name: 'two nodes', edges: [[1], [0]], cycle: [0, 1, 0] },
    { name: 'a self-loop', edges: [[], [1]], cycle: [1, 1] },
    {
      name: 'reached from a tail, reported from where it closes',
      edges: [[1], [2], [3], [1]],
      cycle: [1, 2, 3, 1],
    },
    { name: 'the first cycle in order', edges: [[], [2], [1], [4], [3]], cycle: [1, 2, 1] },
  ]
  it.each(cases)('$name', ({ edges, cycle }) => {
    expect(findCycle(edges)).toEqual(cycle)
  })
})
