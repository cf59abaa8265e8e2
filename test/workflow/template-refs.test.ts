import { describe, expect, it } from 'vitest'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import workflow from '../../hooks/workflow/index.ts'
import { START, nodes, pods, wf } from './helpers.ts'

const template = (
  name: string,
  spec: Record<string, unknown>,
  kind = 'WorkflowTemplate',
): KObject => ({
  apiVersion: 'workflows.metahooks.dev/v1alpha1',
  kind,
  metadata: { name, ...(kind === 'WorkflowTemplate' && { namespace: 'default' }) },
  spec,
})
const echo = (text: string) => ({
  name: 'say',
  container: { image: 'busybox', command: ['echo', text] },
})
const refSpec = {
  entrypoint: 'main',
  templates: [
    {
      name: 'main',
      steps: [
        [{ name: 'a', templateRef: { name: 'lib', template: 'say' } }],
        [{ name: 'b', templateRef: { name: 'lib', template: 'say' } }],
      ],
    },
  ],
}
const args = (pod: KObject) =>
  (pod as unknown as { spec: { containers: { command: string[] }[] } }).spec.containers[0]!.command

describe('workflow: WorkflowTemplates (templateRef, workflowTemplateRef)', () => {
  it('a missing WorkflowTemplate is a Pending condition naming it, and customize asks for it', async () => {
    const parent = wf(refSpec)
    const out = await runHook(workflow, 'sync', compositeRequest(workflow, { parent }), {
      now: new Date(START),
    })
    expect(out.ok).toBe(true)
    if (!out.ok) return
    expect(out.response.children).toEqual([])
    expect(out.response.status).toMatchObject({
      phase: 'Pending',
      message: 'waiting for WorkflowTemplate/lib',
      waitingForTemplates: ['WorkflowTemplate/lib'],
      conditions: [
        { type: 'TemplatesResolved', status: 'False', reason: 'WorkflowTemplateNotFound' },
      ],
    })
    const rules = await runHook(workflow, 'customize', { controller: {}, parent })
    expect(rules.ok && rules.response).toEqual({
      relatedResources: [
        {
          apiVersion: 'workflows.metahooks.dev/v1alpha1',
          resource: 'workflowtemplates',
          names: ['lib'],
        },
        { apiVersion: 'v1', resource: 'configmaps', names: ['metahooks-workflow-images'] },
      ],
    })
  })

  it('a template changed mid-run does not change the running workflow: the run keeps the copy in its status', async () => {
    const sim = new Simulation(workflow, {
      parent: wf(refSpec),
      objects: [template('lib', { templates: [echo('first')] })],
      startTime: START,
    })
    for (
      let i = 0;
      i < 6 &&
      !pods(sim).some(
        (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf[0].a',
      );
      i++
    )
      await sim.step()
    const lib = sim.cluster.list().find((o) => o.kind === 'WorkflowTemplate')!
    sim.cluster.update({ ...lib, spec: { templates: [echo('second')] } } as never)
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(pods(sim).map(args)).toEqual([
      ['echo', 'first'],
      ['echo', 'first'],
    ])
    // A new run takes the new version.
    const next = new Simulation(workflow, {
      parent: wf(refSpec, 'wf2'),
      objects: [template('lib', { templates: [echo('second')] })],
      startTime: START,
    })
    await next.run()
    expect(pods(next).map(args)).toEqual([
      ['echo', 'second'],
      ['echo', 'second'],
    ])
  })

  it.each([
    {
      name: 'an invalid WorkflowTemplate',
      objects: [
        template('lib', {
          templates: [{ name: 'say', container: { image: 'busybox', comand: ['x'] } }],
        }),
      ],
      error:
        /invalid workflow: WorkflowTemplate\/lib is not a valid workflow spec: spec\.templates\[0\]\.container: comand: not a field of a container/,
    },
    {
      name: 'a template the source does not have',
      objects: [template('lib', { templates: [{ ...echo('x'), name: 'other' }] })],
      error: /WorkflowTemplate\/lib has no template "say"/,
    },
  ])('$name is a 422 naming it, never a run without it', async ({ objects, error }) => {
    const out = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: wf(refSpec), related: objects }),
      { now: new Date(START) },
    )
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.status).toBe(422)
    expect(out.message).toMatch(error)
  })

  it('Pods but no way to resolve the templates (the status lost its copy, the template deleted) is a 409, never an empty child list', async () => {
    const sim = new Simulation(workflow, {
      parent: wf(refSpec),
      objects: [template('lib', { templates: [echo('x')] })],
      startTime: START,
    })
    await sim.step()
    await sim.step()
    expect(pods(sim).length).toBeGreaterThan(0)
    const parent = { ...sim.parent!, status: { ...(sim.status ?? {}), storedTemplates: undefined } }
    const out = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent, observed: pods(sim) }),
      { now: new Date(START) },
    )
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.status).toBe(409)
    expect(out.message).toMatch(/the workflow has started but cannot resolve WorkflowTemplate\/lib/)
  })

  it('a ConfigMap named only inside a WorkflowTemplate is asked for first (Pending), then read', async () => {
    const lib = template('lib', {
      templates: [
        {
          name: 'say',
          inputs: {
            parameters: [
              { name: 'm', valueFrom: { configMapKeyRef: { name: 'settings', key: 'm' } } },
            ],
          },
          container: { image: 'busybox', command: ['echo', '{{inputs.parameters.m}}'] },
        },
      ],
    })
    const settings: KObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { m: 'from the configmap' },
    } as KObject
    const sim = new Simulation(workflow, {
      parent: wf(refSpec),
      objects: [lib, settings],
      startTime: START,
    })
    const first = await sim.step()
    expect(first.actions.some((a) => a.type === 'created')).toBe(false)
    expect(sim.status).toMatchObject({ phase: 'Pending', waitingForConfigMaps: ['settings'] })
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(pods(sim).map(args)).toEqual([
      ['echo', 'from the configmap'],
      ['echo', 'from the configmap'],
    ])
    expect(Object.values(nodes(sim)).filter((n) => n.type === 'Pod')).toHaveLength(2)
  })
})

describe('workflow: what a referenced template calls stays inside its source', () => {
  it('onExit and inline templates inside a WorkflowTemplate refer to its own templates, even when the Workflow has one of the same name', async () => {
    const lib = template('lib', {
      templates: [
        {
          name: 'entry',
          steps: [
            [{ name: 'work', template: 'say', onExit: 'cleanup' }],
            [{ name: 'nested', inline: { steps: [[{ name: 'deep', template: 'say' }]] } }],
          ],
        },
        { name: 'say', container: { image: 'busybox', command: ['echo', 'lib say'] } },
        { name: 'cleanup', container: { image: 'busybox', command: ['echo', 'lib cleanup'] } },
      ],
    })
    const spec = {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [[{ name: 'run', templateRef: { name: 'lib', template: 'entry' } }]],
        },
        {
          name: 'cleanup',
          container: { image: 'busybox', command: ['echo', 'the workflow own cleanup'] },
        },
      ],
    }
    const sim = new Simulation(workflow, { parent: wf(spec), objects: [lib], startTime: START })
    await sim.run()
    expect(sim.status!.phase).toBe('Succeeded')
    expect(pods(sim).map(args).sort()).toEqual([
      ['echo', 'lib cleanup'],
      ['echo', 'lib say'],
      ['echo', 'lib say'],
    ])
  })

  it('a workflow that started (its Pods already collected) and whose templates can no longer be resolved is a 409, not a fresh Pending run', async () => {
    const parent = {
      ...wf(refSpec),
      status: {
        phase: 'Running',
        startedAt: START,
        nodes: {
          wf: { name: 'wf', displayName: 'wf', type: 'Steps', phase: 'Running', startedAt: START },
        },
      },
    }
    const out = await runHook(workflow, 'sync', compositeRequest(workflow, { parent }), {
      now: new Date(START),
    })
    expect(!out.ok && out.status).toBe(409)
  })
})
