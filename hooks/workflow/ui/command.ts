import { serve } from '@hono/node-server'
import {
  CLUSTER_OPTIONS,
  type Command,
  Kube,
  pathOf,
  type Project,
  statusReport,
  UsageError,
} from 'metahooks/cli'
import type { KObject } from 'metahooks'
import { loadObjects, parseObjects } from 'metahooks/testing'
import { parseArgs } from 'node:util'
import { type UiOptions, type WorkflowSource, createUiApp } from './app.ts'
import { ACTIONS, LiveWorkflows, WORKFLOWS } from './live.ts'
import { SimulatedRun } from './simulated.ts'

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** The one Workflow a file holds (a UsageError naming the file otherwise). */
function oneWorkflow(objects: KObject[], source: string): KObject {
  const workflows = objects.filter((o) => o.kind === 'Workflow')
  if (workflows.length !== 1)
    throw new UsageError(`${source} must hold one Workflow; it holds ${workflows.length}`)
  return workflows[0]!
}

function simulatedSource(file: string): WorkflowSource {
  let run = new SimulatedRun(oneWorkflow(loadObjects(file), file))
  let mode = `simulated: ${file}`
  return {
    get mode() {
      return mode
    },
    get simulated() {
      return run
    },
    list: async () => [run.view],
    get: async (namespace, name) =>
      run.view.namespace === namespace && run.view.name === name ? run.view : undefined,
    load: (text, name) => {
      run = new SimulatedRun(oneWorkflow(parseObjects(text, name), name))
      mode = `simulated: ${name}`
      return run.view
    },
  }
}

async function liveSource(
  kube: Kube,
  namespace: string | undefined,
  project: Project,
  allowActions: boolean,
): Promise<WorkflowSource> {
  const live = new LiveWorkflows(kube, namespace)
  await live.ready
  return {
    mode: `live: ${kube.contextName}${namespace ? ` / ${namespace}` : ''}`,
    list: async () => live.list(),
    get: async (ns, name) => live.get(ns, name),
    version: () => live.version,
    logs: async (ns, workflow, pod) => {
      const found = await kube.get<KObject>(
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`,
      )
      const owners = (found?.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[]
      if (!owners.some((o) => o.kind === 'Workflow' && o.name === workflow)) return undefined
      const log = await kube.stream(
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/log?container=main&follow=true`,
      )
      return log.ok
        ? new Response(log.body, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
        : new Response(`the API server refused the log: ${log.message}`, { status: log.status })
    },
    controllers: () => statusReport(kube, project.controllers, namespace ? { namespace } : {}),
    ...(allowActions && {
      act: async (ns: string, name: string, action: string) => {
        await kube.request(
          'PATCH',
          pathOf(WORKFLOWS, ns, name),
          ACTIONS[action]!.patch(new Date()),
          'application/merge-patch+json',
        )
      },
    }),
  }
}

async function ui(args: string[], project: Project): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...CLUSTER_OPTIONS,
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      simulate: { type: 'string' },
      'allow-actions': { type: 'boolean' },
    },
  })
  const host = values.host ?? '127.0.0.1'
  const port = Number(values.port ?? '2746')
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, got "${values.port}"`)
  const token = values.token ?? process.env.METAHOOKS_UI_TOKEN
  if (!LOOPBACK.has(host) && !token)
    throw new UsageError(`serving on ${host} needs a token: --token T (or METAHOOKS_UI_TOKEN)`)
  if (values.namespace && values['all-namespaces'])
    throw new UsageError('--namespace or --all-namespaces, not both')
  const source = values.simulate
    ? simulatedSource(values.simulate)
    : await liveSource(
        await Kube.connect(values),
        values['all-namespaces'] ? undefined : (values.namespace ?? 'default'),
        project,
        values['allow-actions'] === true,
      )
  // On loopback the Host header must name this listener (filled in once the port is known).
  const hosts: string[] = []
  const options: UiOptions = { ...(token && { token }), ...(LOOPBACK.has(host) && { hosts }) }
  const app = createUiApp(source, options)
  await new Promise<void>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      hosts.push(`127.0.0.1:${info.port}`, `localhost:${info.port}`, `[::1]:${info.port}`)
      const shown = host.includes(':') ? `[${host}]` : host
      console.log(
        `metahooks ui (${source.mode}) on http://${shown}:${info.port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`,
      )
      resolve()
    })
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${host}:${port} is in use; choose another with --port`)
          : error,
      ),
    )
  })
}

export const uiCommand: Command = {
  name: 'ui',
  usage: `  metahooks ui [--simulate WORKFLOW.yaml] [--port 2746] [--host 127.0.0.1] [--token T] [-n NS | -A] [--allow-actions] [--context NAME]
      A local web UI for workflows: the list, each one's graph (DAG and steps as SVG, nodes coloured
      by phase), node details. --simulate runs a file in the simulator, round by round, with
      controls to make steps fail or print; otherwise it shows the cluster of your kubeconfig.
      Loopback only unless --host, which needs --token. Live pages follow a watch of the Workflows;
      --allow-actions adds suspend, resume, stop, terminate and retry; /controllers is metahooks status.`,
  run: ui,
}
