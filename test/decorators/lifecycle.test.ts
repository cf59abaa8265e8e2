import { describe, expect, it } from 'vitest'
import servicePerPod from '../../hooks/service-per-pod/index.ts'
import podNameLabel from '../../hooks/pod-name-label/index.ts'
import propagate from '../../hooks/propagate/index.ts'
import guardrails from '../../hooks/guardrails/index.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import { requestFor } from '../../hooks/core/testing/requests.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

const ns = (name: string, labels: Record<string, string> = {}): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels },
    status: { phase: 'Active' },
  }) as KObject
const kinds = (objects: KObject[]) =>
  objects.map(
    (o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`,
  )

describe('service-per-pod', () => {
  it('conforms', async () => {
    const problems = await checkConformance(servicePerPod, {
      parent: one('service-per-pod.yaml'),
      invalidSpecs: [{ replicas: -1 }, { replicas: 'three' }],
    })
    expect(problems).toEqual([])
  })

  it('one Service per ordinal; scaling follows; finalize removes the Services before releasing the StatefulSet', async () => {
    const sim = new Simulation(servicePerPod, { parent: one('service-per-pod.yaml') })
    await sim.run()
    expect(kinds(sim.children())).toEqual([
      'Service default/web-0',
      'Service default/web-1',
      'Service default/web-2',
    ])
    const service = sim.children()[1] as unknown as {
      spec: { selector: Record<string, string>; ports: unknown[] }
    }
    expect(service.spec).toEqual({
      selector: { 'pod-name': 'web-1' },
      ports: [{ name: 'port-80', port: 80, targetPort: 8080 }],
    })
    sim.updateParent((p) => ({ ...p, spec: { ...(p.spec as object), replicas: 1 } }))
    await sim.run()
    expect(kinds(sim.children())).toEqual(['Service default/web-0'])

    sim.deleteParent()
    const result = await sim.run()
    const deleted = result.rounds.findIndex((r) => r.actions.some((a) => a.type === 'deleted'))
    const finalized = result.rounds.findIndex((r) => r.actions.some((a) => a.type === 'finalized'))
    expect(deleted).toBeGreaterThanOrEqual(0)
    expect(finalized).toBeGreaterThan(deleted)
  })

  it('bad annotations are a 422 naming them', async () => {
    const sts = one('service-per-pod.yaml')
    const bad = {
      ...sts,
      metadata: {
        ...sts.metadata,
        annotations: { 'service-per-pod-label': 'pod-name', 'service-per-pod-ports': 'http' },
      },
    } as KObject
    const sim = new Simulation(servicePerPod, { parent: bad })
    const result = await sim.run()
    expect(result.converged).toBe(false)
    expect(result.rounds[0]!.error).toMatchObject({
      status: 422,
      message: expect.stringContaining('metadata.annotations.service-per-pod-ports'),
    })
  })
})

describe('pod-name-label', () => {
  it('labels a Pod with its own name under the key it asks for; leaves its status alone', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-2',
        namespace: 'default',
        annotations: { 'pod-name-label': 'pod-name' },
      },
      status: { phase: 'Running' },
    } as KObject
    const problems = await checkConformance(podNameLabel, { parent: pod })
    expect(problems).toEqual([])
    const sim = new Simulation(podNameLabel, { parent: pod, kubelet: 'none' })
    await sim.run()
    expect(sim.parent!.metadata.labels).toEqual({ 'pod-name': 'web-2' })
    expect(sim.status).toEqual({ phase: 'Running' })
  })
})

describe('propagate', () => {
  const world = () => [
    ns('default'),
    ns('team-a', { kiamol: 'ch20' }),
    ns('team-b', { kiamol: 'ch20' }),
    ns('other'),
    { ...one('propagate.yaml') },
  ]

  it('conforms (decorating a Namespace)', async () => {
    const objects = world()
    const target = objects[1]!
    const problems = await checkConformance(propagate, {
      parent: target,
      objects: objects.filter((o) => o !== target),
    })
    expect(problems).toEqual([])
  })

  it('copies into every matching namespace, points back at the source, leaves the Namespace status alone; a label removed removes the copy', async () => {
    const objects = world()
    const teamA = objects[1]!
    const sim = new Simulation(propagate, {
      parent: teamA,
      objects: objects.filter((o) => o !== teamA),
    })
    await sim.run()
    expect(kinds(sim.children())).toEqual(['ConfigMap team-a/shared-config'])
    const copy = sim.children()[0] as unknown as {
      metadata: { annotations: Record<string, string>; labels?: unknown }
      data: unknown
    }
    expect(copy.metadata.annotations['propagate.metahooks.dev/source']).toBe(
      'default/shared-config',
    )
    expect(copy.metadata.labels).toBeUndefined()
    expect(copy.data).toEqual({ greeting: 'hello from default' })
    expect(sim.status).toEqual({ phase: 'Active' })

    sim.updateParent((p) => ({ ...p, metadata: { ...p.metadata, labels: {} } }))
    await sim.run()
    expect(sim.children()).toEqual([])

    sim.updateParent((p) => ({ ...p, metadata: { ...p.metadata, labels: { kiamol: 'ch20' } } }))
    await sim.run()
    expect(sim.children()).toHaveLength(1)
    const source = sim.cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'shared-config',
      namespace: 'default',
    })!
    sim.cluster.update({ ...source, metadata: { ...source.metadata, annotations: {} } } as KObject)
    await sim.run()
    expect(sim.children()).toEqual([])
  })

  it('never copies into the source namespace; a name taken by an earlier source is skipped and named', () => {
    const objects = world()
    const second = {
      ...one('propagate.yaml'),
      metadata: { ...one('propagate.yaml').metadata, namespace: 'other' },
    } as KObject
    const teamA = objects[1]!
    const request = requestFor(propagate, {
      parent: teamA,
      objects: [...objects, second],
      rules: [
        {
          apiVersion: 'v1',
          resource: 'configmaps',
          labelSelector: { matchLabels: { 'propagate.metahooks.dev/enabled': 'true' } },
        },
      ],
    })
    return import('../../hooks/core/run.ts').then(async ({ runHook }) => {
      const outcome = await runHook(propagate, 'sync', request)
      expect(outcome.ok).toBe(true)
      if (!outcome.ok) return
      expect(
        (outcome.response.attachments as KObject[]).map(
          (a) => a.metadata.annotations?.['propagate.metahooks.dev/source'],
        ),
      ).toEqual(['default/shared-config'])
      expect(outcome.response.annotations).toEqual({
        'propagate.metahooks.dev/skipped': 'ConfigMap other/shared-config (name taken)',
      })
      const own = await runHook(
        propagate,
        'sync',
        requestFor(propagate, { parent: objects[0]!, objects: [...objects], rules: [] }),
      )
      expect(own.ok && own.response.attachments).toEqual([])
    })
  })
})

describe('guardrails', () => {
  it('conforms', async () => {
    const problems = await checkConformance(guardrails, {
      parent: one('guardrails.yaml'),
      invalidSpecs: [{ selector: 'app=api' }],
    })
    expect(problems).toEqual([])
  })

  it('attaches a PDB and a NetworkPolicy and records them; opting out removes both and the records (null deletes)', async () => {
    const sim = new Simulation(guardrails, { parent: one('guardrails.yaml') })
    await sim.run()
    expect(kinds(sim.children())).toEqual([
      'NetworkPolicy default/api-guardrails',
      'PodDisruptionBudget default/api-guardrails',
    ])
    const pdb = sim.children()[1] as unknown as { spec: unknown }
    expect(pdb.spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'api' } } })
    const np = sim.children()[0] as unknown as { spec: { ingress: { from: unknown[] }[] } }
    expect(np.spec.ingress[0]!.from).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { kiamol: 'ch20' } } },
    ])
    expect(sim.parent!.metadata.labels).toEqual({ 'guardrails.metahooks.dev/protected': 'true' })
    expect(sim.parent!.metadata.annotations?.['guardrails.metahooks.dev/attached']).toBe(
      'PodDisruptionBudget/api-guardrails,NetworkPolicy/api-guardrails',
    )

    sim.updateParent((p) => ({ ...p, metadata: { ...p.metadata, annotations: {} } }))
    const result = await sim.run()
    expect(result.rounds[0]!.hook).toBe('finalize')
    expect(sim.children()).toEqual([])
    expect(sim.parent!.metadata.labels).toEqual({})
    expect(sim.parent!.metadata.annotations?.['guardrails.metahooks.dev/attached']).toBeUndefined()
    expect((sim.parent!.metadata as { finalizers?: string[] }).finalizers).toBeUndefined()
    expect(sim.parent).toBeDefined()
  })
})
