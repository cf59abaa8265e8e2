import { serve } from '@hono/node-server'
import type { KObject } from 'metahooks'
import { CLUSTER_OPTIONS, type Command, Kube, pathOf, UsageError } from 'metahooks/cli'
import { loadObjects } from 'metahooks/testing'
import { parseArgs } from 'node:util'
import { type UiOptions, type WorkflowSource, createUiApp } from './app.ts'
import { SimulatedRun, viewOf } from './simulated.ts'

const WORKFLOWS = {
  apiVersion: 'workflows.metahooks.dev/v1alpha1',
  kind: 'Workflow',
  resource: 'workflows',
  scope: 'Namespaced',
} as const
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function simulatedSource(file: string): WorkflowSource {
  const workflows = loadObjects(file).filter((o) => o.kind === 'Workflow')
  if (workflows.length !== 1)
    throw new UsageError(
      `--simulate needs a file holding one Workflow; ${file} holds ${workflows.length}`,
    )
  const run = new SimulatedRun(workflows[0]!)
  return {
    mode: `simulated: ${file}`,
    simulated: run,
    list: async () => [run.view],
    get: async (namespace, name) =>
      run.view.namespace === namespace && run.view.name === name ? run.view : undefined,
  }
}

function liveSource(kube: Kube, namespace: string | undefined): WorkflowSource {
  return {
    mode: `live: ${kube.contextName}${namespace ? ` / ${namespace}` : ''}`,
    list: async () => (await kube.list<KObject>(pathOf(WORKFLOWS, namespace))).map(viewOf),
    get: async (ns, name) => {
      if (namespace && ns !== namespace) return undefined
      const object = await kube.get<KObject>(pathOf(WORKFLOWS, ns, name))
      return object && viewOf(object)
    },
  }
}

async function ui(args: string[]): Promise<void> {
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
    : liveSource(
        await Kube.connect(values),
        values['all-namespaces'] ? undefined : (values.namespace ?? 'default'),
      )
  const options: UiOptions = token ? { token } : {}
  const app = createUiApp(source, options)
  await new Promise<void>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
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
  usage: `  metahooks ui [--simulate WORKFLOW.yaml] [--port 2746] [--host 127.0.0.1] [--token T] [-n NS | -A] [--context NAME]
      A local web UI for workflows: the list, each one's graph (DAG and steps as SVG, nodes coloured
      by phase), node details. --simulate runs a file in the simulator, round by round, with
      controls to make steps fail or print; otherwise it shows the cluster of your kubeconfig.
      Loopback only unless --host, which needs --token.`,
  run: ui,
}
