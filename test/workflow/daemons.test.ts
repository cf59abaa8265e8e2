import { describe, expect, it } from 'vitest'
import { runHook } from '../../hooks/core/run.ts'
import { compositeRequest } from '../../hooks/core/testing/requests.ts'
import workflow from '../../hooks/workflow/index.ts'
import { container, nodes, pods, simulate, wf } from './helpers.ts'

type Pod = {
  metadata: { name: string; annotations?: Record<string, string> }
  spec: { containers: { args?: string[] }[] }
  status?: { podIP?: string }
}

const server = {
  name: 'server',
  daemon: true,
  container: {
    image: 'influxdb:1.2',
    command: ['influxd'],
    readinessProbe: { httpGet: { path: '/ping', port: 8086 } },
  },
}
const client = {
  name: 'client',
  inputs: { parameters: [{ name: 'cmd' }] },
  container: {
    image: 'appropriate/curl:latest',
    command: ['/bin/sh', '-c'],
    args: ['{{inputs.parameters.cmd}}'],
  },
}
const byDisplayName = (sim: ReturnType<typeof simulate>, name: string) =>
  Object.values(nodes(sim)).find((n) => n.displayName === name)!

describe('workflow: daemon steps', () => {
  it("steps (Argo's walk-through): the next steps start once the daemon is Ready, read its IP, and the daemon is stopped and deleted when the steps end", async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            steps: [
              [{ name: 'influx', template: 'server' }],
              [
                {
                  name: 'init-database',
                  template: 'client',
                  arguments: {
                    parameters: [
                      { name: 'cmd', value: "curl -XPOST 'http://{{steps.influx.ip}}:8086/query'" },
                    ],
                  },
                },
              ],
              [
                {
                  name: 'consumer',
                  template: 'client',
                  arguments: {
                    parameters: [
                      { name: 'cmd', value: 'curl http://{{steps.influx.ip}}:8086/query' },
                    ],
                  },
                },
              ],
            ],
          },
          server,
          client,
        ],
      },
      { influx: { keepsRunning: true } },
    )
    let daemonPod: Pod | undefined
    const seen: string[] = []
    for (let round = 0; round < 30; round++) {
      const r = await sim.step()
      const influx = (pods(sim) as unknown as Pod[]).find(
        (p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf[0].influx',
      )
      if (influx?.status?.podIP) daemonPod = influx
      seen.push(
        ...r.actions
          .filter((a) => a.type === 'created' || a.type === 'deleted')
          .map((a) => `${a.type} ${a.object}`),
      )
      if (sim.status?.phase === 'Succeeded' && !influx) break
    }
    expect(sim.status!.phase).toBe('Succeeded')
    const ip = daemonPod!.status!.podIP!
    const init = (pods(sim) as unknown as Pod[]).find(
      (p) =>
        p.metadata.annotations?.['workflows.metahooks.dev/node-name'] === 'wf[1].init-database',
    )!
    expect(init.spec.containers[0]!.args!.join(' ')).toContain(`http://${ip}:8086/query`)
    expect(byDisplayName(sim, 'influx')).toMatchObject({
      phase: 'Succeeded',
      daemoned: true,
      podIP: ip,
      message: 'stopped: the steps it ran in ended',
    })
    // The daemon's Pod was created first, and deleted last, after the steps ended.
    expect(seen[0]).toBe(`created Pod default/${daemonPod!.metadata.name}`)
    expect(seen.at(-1)).toBe(`deleted Pod default/${daemonPod!.metadata.name}`)
  })

  it('DAG: tasks that depend on a daemon start once it is up (depends on X.Daemoned too); the daemon ends with the DAG', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            dag: {
              tasks: [
                { name: 'db', template: 'server' },
                {
                  name: 'load',
                  template: 'client',
                  dependencies: ['db'],
                  arguments: { parameters: [{ name: 'cmd', value: 'load {{tasks.db.ip}}' }] },
                },
                {
                  name: 'check',
                  template: 'client',
                  depends: 'db.Daemoned && load',
                  arguments: { parameters: [{ name: 'cmd', value: 'check' }] },
                },
              ],
            },
          },
          server,
          client,
        ],
      },
      { db: { keepsRunning: true } },
    )
    const result = await sim.run()
    expect(result.converged).toBe(true)
    expect(sim.status!.phase).toBe('Succeeded')
    expect(byDisplayName(sim, 'db')).toMatchObject({
      phase: 'Succeeded',
      daemoned: true,
      message: 'stopped: the DAG it ran in ended',
    })
    expect(byDisplayName(sim, 'check').phase).toBe('Succeeded')
    expect(
      pods(sim).map((p) => p.metadata.annotations?.['workflows.metahooks.dev/node-name']),
    ).not.toContain('wf.db')
  })

  it('a daemon that fails once up fails its steps at their end; the steps that started after it still run (their Pods are never dropped)', async () => {
    const sim = simulate(
      {
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            steps: [[{ name: 'influx', template: 'server' }], [{ name: 'after', template: 'job' }]],
          },
          server,
          container('job'),
        ],
      },
      { influx: { exitCode: 3 } },
    )
    const result = await sim.run()
    expect(result.rounds.every((r) => r.error === undefined)).toBe(true)
    expect(sim.status).toMatchObject({ phase: 'Failed', message: 'daemon step influx failed' })
    expect(byDisplayName(sim, 'influx')).toMatchObject({ phase: 'Failed', daemoned: true })
    expect(byDisplayName(sim, 'after').phase).toBe('Succeeded')
  })

  const invalid: { name: string; spec: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'the IP of a step that is not a daemon',
      spec: {
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            steps: [
              [{ name: 'a', template: 'job' }],
              [
                {
                  name: 'b',
                  template: 'client',
                  arguments: { parameters: [{ name: 'cmd', value: '{{steps.a.ip}}' }] },
                },
              ],
            ],
          },
          container('job'),
          client,
        ],
      },
      error:
        /\{\{steps\.a\.ip\}\} is the IP of a daemon step, and a is not an earlier step or task that runs a template with daemon: true/,
    },
    {
      name: 'daemon on a steps template',
      spec: {
        entrypoint: 'main',
        templates: [
          { name: 'main', daemon: true, steps: [[{ name: 'a', template: 'job' }]] },
          container('job'),
        ],
      },
      error: /spec\.templates\[0\]\.daemon: only container and script templates run as daemons/,
    },
  ]
  it.each(invalid)('422: $name', async ({ spec, error }) => {
    const outcome = await runHook(
      workflow,
      'sync',
      compositeRequest(workflow, { parent: wf(spec) }),
      { now: new Date('2026-01-01T00:00:00Z') },
    )
    expect(outcome.ok ? 200 : outcome.status).toBe(422)
    expect(outcome.ok ? '' : outcome.message).toMatch(error)
  })
})
