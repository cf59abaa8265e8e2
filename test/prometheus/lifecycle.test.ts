import { describe, expect, it } from 'vitest'
import prometheus from '../../hooks/prometheus/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

const ns = (name: string, labels: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
})
const svc = (
  name: string,
  namespace: string,
  labels: Record<string, string>,
  ports: number[],
): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { ports: ports.map((port) => ({ name: `p${port}`, port })) },
  }) as KObject
const world = [
  ns('default', { kiamol: 'ch20' }),
  ns('other', {}),
  svc('web', 'default', { monitoring: 'enabled' }, [80, 9100]),
  svc('hidden', 'other', { monitoring: 'enabled' }, [80]),
  svc('plain', 'default', {}, [80]),
]
const config = (sim: Simulation) =>
  (
    sim.children().find((c) => c.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>
    }
  ).data['prometheus.yml']!
const hash = (sim: Simulation) =>
  (
    sim.children().find((c) => c.kind === 'Deployment') as unknown as {
      spec: { template: { metadata: { annotations: Record<string, string> } } }
    }
  ).spec.template.metadata.annotations['metahooks.dev/config-hash']

describe('prometheus', () => {
  it('conforms', async () => {
    const problems = await checkConformance(prometheus, {
      parent: one('prometheus.yaml'),
      objects: world,
      invalidSpecs: [
        {},
        { serviceMonitorSelector: {}, scrapeInterval: 'often' },
        { serviceMonitorSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } },
        { serviceMonitorSelector: { matchLabels: { app: 'j/M+g2Bd' } } },
        { serviceMonitorSelector: {}, resources: { limits: { 'w-c_': '72G' } } },
      ],
    })
    expect(problems).toEqual([])
  })

  it('scrapes one job per port of each selected Service in selected namespaces, and re-renders as Services come and go', async () => {
    const sim = new Simulation(prometheus, { parent: one('prometheus.yaml'), objects: world })
    await sim.run()
    expect(config(sim)).toContain('job_name: default/web/p80')
    expect(config(sim)).toContain('job_name: default/web/p9100')
    expect(config(sim)).toContain('web.default.svc:9100')
    expect(config(sim)).not.toContain('hidden')
    expect(config(sim)).not.toContain('plain')
    const before = hash(sim)

    sim.cluster.create(svc('api', 'default', { monitoring: 'enabled' }, [8080]))
    const added = await sim.run()
    expect(config(sim)).toContain('job_name: default/api/p8080')
    expect(hash(sim)).not.toBe(before)
    expect(added.rounds[0]!.actions).toContainEqual({
      type: 'updated',
      object: 'Deployment default/prometheus',
      detail: 'InPlace',
    })

    sim.cluster.remove(
      sim.cluster.get({ apiVersion: 'v1', kind: 'Service', name: 'api', namespace: 'default' })!,
    )
    await sim.run()
    expect(config(sim)).not.toContain('api')
    expect(hash(sim)).toBe(before)
  })
})
