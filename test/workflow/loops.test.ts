import { describe, expect, it } from 'vitest'
import { container, phases, pods, simulate, wf } from './helpers.ts'

describe('workflow: loops', () => {
  it('loops: withItems fans out, withParam fans out over an output, results aggregate as JSON', async () => {
    const sim = simulate(
      {
        entrypoint: 'pipeline',
        templates: [
          {
            name: 'pipeline',
            dag: {
              tasks: [
                { name: 'list', template: 'job' },
                {
                  name: 'process',
                  template: 'work',
                  dependencies: ['list'],
                  withParam: '{{tasks.list.outputs.result}}',
                  arguments: { parameters: [{ name: 'x', value: '{{item}}' }] },
                },
                {
                  name: 'seq',
                  template: 'work',
                  withSequence: { count: '3', start: 1 },
                  arguments: { parameters: [{ name: 'x', value: 'n{{item}}' }] },
                },
                {
                  name: 'letters',
                  template: 'work',
                  withItems: ['a', { n: 'b' }],
                  arguments: { parameters: [{ name: 'x', value: '{{item}}' }] },
                },
                {
                  name: 'merge',
                  template: 'work',
                  dependencies: ['process'],
                  arguments: {
                    parameters: [{ name: 'x', value: '{{tasks.process.outputs.result}}' }],
                  },
                },
              ],
            },
          },
          container('job'),
          {
            name: 'work',
            inputs: { parameters: [{ name: 'x' }] },
            container: { image: 'alpine:3', args: ['{{inputs.parameters.x}}'] },
          },
        ],
      },
      { list: { exitCode: 0, message: '["x","y"]' }, process: { exitCode: 0, message: 'done' } },
    )
    await sim.run()
    expect(sim.status).toMatchObject({ phase: 'Succeeded', progress: '9/9' })
    const merge = pods(sim).find(
      (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf.merge',
    ) as unknown as { spec: { containers: { args: string[] }[] } }
    expect(merge.spec.containers[0]!.args).toEqual(['["done","done"]'])
    expect(Object.keys(phases(sim))).toEqual(
      expect.arrayContaining([
        'process(0:x)',
        'process(1:y)',
        'seq(0:1)',
        'seq(2:3)',
        'letters(1:{"n":"b"})',
      ]),
    )
  })
})
