import { parseArgs } from 'node:util'
import { parseAllDocuments } from 'yaml'
import type { KObject } from '../../contract/objects.ts'
import type { Command, Project } from '../command.ts'
import { GENERATE_OPTIONS, generateFor } from '../manifests.ts'
import { CLUSTER_OPTIONS, established, Kube, METACONTROLLER_CRDS, pathOf, typeOf } from './kube.ts'
import { age } from './status.ts'

type Verdict = 'ok' | 'FAIL' | 'warn'
type Check = { verdict: Verdict; text: string }

/** The paths where `live` differs from what `want` sets (fields the API server or others added are not drift). */
export function drift(want: unknown, live: unknown, path = 'spec'): string[] {
  if (Array.isArray(want)) {
    if (!Array.isArray(live) || live.length !== want.length) return [path]
    return want.flatMap((v, i) => drift(v, live[i], `${path}[${i}]`))
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof live !== 'object' || live === null || Array.isArray(live)) return [path]
    return Object.entries(want).flatMap(([k, v]) =>
      drift(v, (live as Record<string, unknown>)[k], `${path}.${k}`),
    )
  }
  return want === live ? [] : [path]
}

async function checks(kube: Kube, project: Project, generated: KObject[]): Promise<Check[]> {
  const out: Check[] = []
  const check = (ok: boolean, good: string, bad: string, verdict: Verdict = 'FAIL') =>
    out.push(ok ? { verdict: 'ok', text: good } : { verdict, text: bad })

  const version = await kube.get<{ gitVersion?: string }>('/version')
  out.push({
    verdict: 'ok',
    text: `API server ${kube.server} (context ${kube.contextName}): Kubernetes ${version?.gitVersion ?? '(version unknown)'}`,
  })

  for (const name of METACONTROLLER_CRDS)
    check(
      established(await kube.crd(name)),
      `Metacontroller's CRD ${name} is Established`,
      `Metacontroller's CRD ${name} is missing: install Metacontroller (https://metacontroller.github.io/metacontroller/guide/install.html)`,
    )
  const runs = [
    ...(await kube.list<KObject & { status?: { readyReplicas?: number } }>(
      '/apis/apps/v1/statefulsets?fieldSelector=metadata.name%3Dmetacontroller',
    )),
    ...(await kube.list<KObject & { status?: { readyReplicas?: number } }>(
      '/apis/apps/v1/deployments?fieldSelector=metadata.name%3Dmetacontroller',
    )),
  ]
  if (runs.length === 0)
    out.push({
      verdict: 'warn',
      text: 'no StatefulSet or Deployment named metacontroller in any namespace (installed under another name?)',
    })
  for (const r of runs)
    check(
      (r.status?.readyReplicas ?? 0) > 0,
      `Metacontroller ${r.kind} ${r.metadata.namespace}/${r.metadata.name} is ready`,
      `Metacontroller ${r.kind} ${r.metadata.namespace}/${r.metadata.name} has no ready replica: nothing calls the hooks`,
    )

  for (const crd of generated.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const live = await kube.crd(crd.metadata.name)
    check(
      established(live),
      `CRD ${crd.metadata.name} is Established`,
      live
        ? `CRD ${crd.metadata.name} is not Established`
        : `CRD ${crd.metadata.name} is not applied (metahooks apply)`,
    )
  }
  for (const controller of generated.filter(
    (o) => o.apiVersion === 'metacontroller.k8s.io/v1alpha1',
  )) {
    const what = `${controller.kind} ${controller.metadata.name}`
    const live = await kube.get(
      pathOf(
        typeOf(project.controllers, controller.apiVersion, controller.kind),
        undefined,
        controller.metadata.name,
      ),
    )
    if (!live) {
      out.push({ verdict: 'FAIL', text: `${what} is not applied (metahooks apply)` })
      continue
    }
    const differs = drift(
      (controller as { spec?: unknown }).spec,
      (live as { spec?: unknown }).spec,
    )
    check(
      differs.length === 0,
      `${what} is applied as the code generates it`,
      `${what} differs from what the code generates at ${differs.slice(0, 5).join(', ')}${differs.length > 5 ? ', …' : ''} (metahooks apply)`,
    )
  }

  const service = generated.find((o) => o.kind === 'Service')
  if (service) {
    const where = `Service ${service.metadata.namespace}/${service.metadata.name}`
    if (
      !(await kube.get(
        `/api/v1/namespaces/${service.metadata.namespace}/services/${service.metadata.name}`,
      ))
    )
      out.push({
        verdict: 'FAIL',
        text: `${where} (the hooks' address) is not applied (metahooks apply)`,
      })
    else {
      const slices = await kube.list<
        KObject & { endpoints?: { conditions?: { ready?: boolean } }[] }
      >(
        `/apis/discovery.k8s.io/v1/namespaces/${service.metadata.namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service.metadata.name}`)}`,
      )
      const ready = slices
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready !== false).length
      check(
        ready > 0,
        `${where} has ${ready} ready endpoint(s)`,
        `${where} has no ready endpoint: Metacontroller's hook calls fail (kubectl -n ${service.metadata.namespace} get pods)`,
      )
    }
  }

  const hourAgo = Date.now() - 3_600_000
  const errors = (
    await kube.list<
      KObject & {
        reason?: string
        message?: string
        count?: number
        lastTimestamp?: string
        eventTime?: string
        involvedObject?: { kind?: string; namespace?: string; name?: string }
      }
    >('/api/v1/events?fieldSelector=reason%3DSyncError')
  )
    .filter((e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? '') >= hourAgo)
    .sort(
      (a, b) =>
        Date.parse(b.lastTimestamp ?? b.eventTime ?? '') -
        Date.parse(a.lastTimestamp ?? a.eventTime ?? ''),
    )
  if (errors.length === 0) out.push({ verdict: 'ok', text: 'no SyncError events in the last hour' })
  for (const e of errors.slice(0, 5)) {
    const o = e.involvedObject ?? {}
    out.push({
      verdict: 'warn',
      text: `SyncError ${age(e.lastTimestamp ?? e.eventTime)} ago on ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${e.message}`,
    })
  }
  if (errors.length > 5)
    out.push({
      verdict: 'warn',
      text: `… and ${errors.length - 5} more SyncError event(s) in the last hour (metahooks status)`,
    })
  return out
}

async function doctor(args: string[], project: Project): Promise<void> {
  const { values } = parseArgs({ args, options: { ...GENERATE_OPTIONS, ...CLUSTER_OPTIONS } })
  const files = generateFor(project, values)
  const generated = [...files.entries()]
    .filter(
      ([p]) => p.endsWith('.yaml') && !p.startsWith('deploy/helm/') && p !== 'kustomization.yaml',
    )
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as KObject))
  const kube = await Kube.connect(values)
  const results = await checks(kube, project, generated)
  for (const r of results) console.log(`${r.verdict.padEnd(4)}  ${r.text}`)
  const failed = results.filter((r) => r.verdict === 'FAIL').length
  if (failed > 0) throw new Error(`${failed} check(s) failed`)
}

export const doctorCommand: Command = {
  name: 'doctor',
  needsProject: true,
  usage: `  metahooks doctor [--context NAME] [--kubeconfig FILE] [manifests options]
      Check the cluster: Metacontroller's CRDs and its Pods, each generated CRD Established, each
      controller applied as the code generates it, the hook Service's ready endpoints, and
      SyncError events in the last hour. Exit 1 when a check fails.`,
  run: doctor,
}
