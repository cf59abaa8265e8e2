import { describe, expect, it } from 'vitest'
import webpinger from '../../hooks/webpinger/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { one } from '../fixtures/examples.ts'

describe('webpinger', () => {
  it('conforms', async () => {
    const problems = await checkConformance(webpinger, {
      parent: one('webpinger-blog.yaml'),
      invalidSpecs: [
        { target: 'blog.sixeyed.com', interval: '7' },
        { target: 'blog.sixeyed.com', interval: '7h' },
        { target: 'a/b', interval: '7s' },
        { interval: '7s' },
        { target: 'x', interval: '7s', method: 'get' },
      ],
    })
    expect(problems).toEqual([])
  })

  it('labels pods and Service as the notes show (kubectl get po -l app=web-ping --show-labels)', async () => {
    const sim = new Simulation(webpinger, { parent: one('webpinger-blog.yaml') })
    await sim.run()
    const kinds = sim.children().map((c) => `${c.kind} ${c.metadata.name}`)
    expect(kinds).toEqual([
      'ConfigMap wp-blog-sixeyed-com-config',
      'Deployment wp-blog-sixeyed-com',
      'Service wp-blog-sixeyed-com',
    ])
    const deployment = sim.children()[1] as unknown as {
      spec: {
        template: {
          metadata: { labels: Record<string, string> }
          spec: { containers: { name: string; env?: { name: string; value: string }[] }[] }
        }
      }
    }
    expect(deployment.spec.template.metadata.labels).toEqual({
      app: 'web-ping',
      instance: 'wp-blog-sixeyed-com',
      target: 'blog.sixeyed.com',
    })
    expect(deployment.spec.template.spec.containers.map((c) => c.name)).toEqual(['web', 'api'])
    expect(deployment.spec.template.spec.containers[0]!.env).toContainEqual({
      name: 'INTERVAL',
      value: '7000',
    })
    expect(sim.children()[2]!.metadata.labels).toMatchObject({
      kiamol: 'ch20',
      app: 'web-ping',
      target: 'blog.sixeyed.com',
    })
  })

  it('tears down in order — Service, Deployment, ConfigMap — and is finalized only when all are gone', async () => {
    const sim = new Simulation(webpinger, { parent: one('webpinger-blog.yaml') })
    await sim.run()
    sim.deleteParent()
    const result = await sim.run()
    const deletions = result.rounds.flatMap((r) =>
      r.actions.filter((a) => a.type === 'deleted').map((a) => a.object.split(' ')[0]),
    )
    expect(deletions).toEqual(['Service', 'Deployment', 'ConfigMap'])
    const finalizedRound = result.rounds.findIndex((r) =>
      r.actions.some((a) => a.type === 'finalized'),
    )
    expect(finalizedRound).toBe(3)
    expect(sim.objects()).toEqual([])
  })
})
