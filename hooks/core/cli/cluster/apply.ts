import { parseArgs } from 'node:util'
import { parseAllDocuments } from 'yaml'
import type { KObject } from '../../contract/objects.ts'
import { positiveInt, type Command, type Project } from '../command.ts'
import { GENERATE_OPTIONS, generateFor } from '../manifests.ts'
import {
  CLUSTER_OPTIONS,
  established,
  Kube,
  KubeError,
  METACONTROLLER_CRDS,
  pathOf,
  typeOf,
} from './kube.ts'

/** The objects `kubectl apply -k .` would apply, in the order they can be: CRDs, the server, the controllers. */
function objectsToApply(
  files: Map<string, string>,
  rbac: boolean,
): { crds: KObject[]; rest: KObject[]; controllers: KObject[] } {
  const paths = [...files.keys()].filter(
    (p) =>
      p.endsWith('.yaml') &&
      p !== 'kustomization.yaml' &&
      !p.startsWith('deploy/helm/') &&
      (rbac || p !== 'deploy/metacontroller-rbac.yaml'),
  )
  const objects = paths.flatMap((p) =>
    parseAllDocuments(files.get(p)!).map((d) => d.toJS() as KObject),
  )
  return {
    crds: objects.filter((o) => o.kind === 'CustomResourceDefinition'),
    rest: objects.filter(
      (o) =>
        o.kind !== 'CustomResourceDefinition' && o.apiVersion !== 'metacontroller.k8s.io/v1alpha1',
    ),
    controllers: objects.filter((o) => o.apiVersion === 'metacontroller.k8s.io/v1alpha1'),
  }
}

async function waitEstablished(kube: Kube, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const name of names) {
    for (;;) {
      const crd = await kube.crd(name)
      if (established(crd)) break
      if (Date.now() > deadline) {
        const why = crd?.status?.conditions?.find((c) => c.status !== 'True')?.message
        throw new Error(
          `CustomResourceDefinition ${name} is not Established after ${timeoutMs / 1000} s${why ? `: ${why}` : ''}`,
        )
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

async function apply(args: string[], project: Project): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...GENERATE_OPTIONS,
      ...CLUSTER_OPTIONS,
      'dry-run': { type: 'boolean' },
      rbac: { type: 'boolean' },
      timeout: { type: 'string' },
    },
  })
  const dryRun = values['dry-run'] === true
  const timeoutMs = (positiveInt(values.timeout, '--timeout') ?? 60) * 1000
  const { crds, rest, controllers } = objectsToApply(
    generateFor(project, { ...values, target: 'cluster' }),
    values.rbac === true,
  )
  const kube = await Kube.connect(values)
  const missing: string[] = []
  for (const name of METACONTROLLER_CRDS) if (!established(await kube.crd(name))) missing.push(name)
  if (missing.length > 0)
    throw new Error(
      `Metacontroller is not installed in ${kube.contextName} (no ${missing.join(', ')}); install it first: https://metacontroller.github.io/metacontroller/guide/install.html`,
    )

  const suffix = dryRun ? ' (dry run)' : ''
  const namespaces = new Map<string, boolean>()
  const namespaceExists = async (name: string) => {
    if (!namespaces.has(name))
      namespaces.set(
        name,
        (await kube.get(`/api/v1/namespaces/${encodeURIComponent(name)}`)) !== undefined,
      )
    return namespaces.get(name)!
  }
  const applyOne = async (object: KObject) => {
    const type = typeOf(project.controllers, object.apiVersion, object.kind)
    const namespace = object.metadata.namespace
    if (dryRun && namespace && !(await namespaceExists(namespace))) {
      console.log(
        `would create ${object.kind} ${namespace}/${object.metadata.name} (dry run: its namespace does not exist yet, so the API server cannot check it)`,
      )
      return
    }
    const before = await kube.get(pathOf(type, object.metadata.namespace, object.metadata.name))
    let after: KObject
    try {
      after = await kube.apply(type, object, dryRun)
    } catch (error) {
      if (
        error instanceof KubeError &&
        error.status === 404 &&
        /could not find the requested resource/.test(error.message)
      )
        throw new Error(
          `the API server does not serve ${object.kind} (${object.apiVersion}): install the CRD that defines it first`,
        )
      throw error
    }
    const what = !before
      ? 'created'
      : before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'configured'
    console.log(
      `${what} ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}${suffix}`,
    )
  }
  for (const crd of crds) await applyOne(crd)
  // A dry run created no CRD, so there is nothing to wait for (and its custom resources cannot be dry-run either).
  if (!dryRun)
    await waitEstablished(
      kube,
      crds.map((c) => c.metadata.name),
      timeoutMs,
    )
  for (const object of [...rest, ...controllers]) await applyOne(object)
  console.log(
    `applied ${crds.length + rest.length + controllers.length} object(s) to ${kube.contextName}${suffix}`,
  )
}

export const applyCommand: Command = {
  name: 'apply',
  needsProject: true,
  usage: `  metahooks apply [--dry-run] [--context NAME] [--kubeconfig FILE] [--rbac] [--timeout SECONDS] [manifests options]
      Server-side apply the generated CRDs (waiting until they are Established), the hook server and
      the controllers to the cluster of your kubeconfig, as field manager metahooks. --rbac also
      applies Metacontroller's least-privilege ClusterRole; --dry-run asks the API server only.`,
  run: apply,
}
