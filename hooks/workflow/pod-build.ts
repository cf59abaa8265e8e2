import type { Container, Volume } from 'kubernetes-types/core/v1'
import type { KObject } from 'metahooks'
import { IMAGES_CONFIGMAP, resolveArgv } from './entrypoints.ts'
import { artifactContainers } from './artifact-pod.ts'
import type { Location } from './artifact-schema.ts'
import { outputLocation } from './artifacts.ts'
import { resourceContainer } from './resource.ts'
import { httpContainer } from './http.ts'
import { containerSetParts, inOrder, wrapSiblings } from './container-set.ts'
import { GROUP_VERSION } from './template-refs.ts'
import { executorInit, wrap, type ExecutorPlan, type PackedArtifact } from './executor.ts'
import type { Scope } from './nodes.ts'
import { buildPod, claimName, MAIN } from './pods.ts'
import type { Template } from './schema.ts'
import type { NodeCall, Run } from './state.ts'
import { substitute } from './substitute.ts'
import { lookup } from './variables.ts'

/** A Pod that cannot be built as the template asks (the node becomes an Error naming why). */
export class PodBuildError extends Error {
  override name = 'PodBuildError'
}

/** Template fields that end up in the Pod: everything but the other template kinds' bodies. */
export function podFields(t: Template): Template {
  const { steps: _s, dag: _d, suspend: _p, retryStrategy: _r, inputs: _i, outputs: _o, ...rest } = t
  return rest as Template
}

/**
 * Whether (and how) the main container runs through the executor: a script always (its source
 * becomes a file), a container when some expression reads its result or it declares output files.
 */
export function executorPlan(
  template: Template,
  resultRead: boolean,
  artifacts: PackedArtifact[] = [],
): ExecutorPlan | undefined {
  const outputs = (template.outputs?.parameters ?? []).flatMap((p) =>
    p.valueFrom?.path !== undefined ? [{ name: p.name, path: p.valueFrom.path }] : [],
  )
  if (
    template.script === undefined &&
    !resultRead &&
    outputs.length === 0 &&
    artifacts.length === 0
  )
    return undefined
  return {
    result: resultRead,
    outputs,
    ...(template.script && { script: template.script.source }),
    ...(artifacts.length > 0 && { artifacts }),
  }
}

/** The node's artifacts as its Pod moves them: inputs from the locations it started with, outputs to where they go. */
function podArtifacts(run: Run, call: NodeCall, podName: string, sub: (s: string) => string) {
  const inputs = (call.template.inputs?.artifacts ?? []).flatMap((a) => {
    const location = call.scope[`inputs.artifacts.${a.name}`]
    if (location === undefined) return []
    if (a.path === undefined)
      throw new PodBuildError(
        `template ${call.template.name}: input artifact ${a.name} needs a path`,
      )
    return [
      {
        name: a.name,
        path: sub(a.path),
        location: JSON.parse(location) as Location,
        ...(a.mode !== undefined && { mode: a.mode }),
      },
    ]
  })
  const outputs = (call.template.outputs?.artifacts ?? []).flatMap((a) => {
    if (a.path === undefined)
      throw new PodBuildError(
        `template ${call.template.name}: output artifact ${a.name} needs a path`,
      )
    return [
      {
        name: a.name,
        path: sub(a.path),
        archive: a.archive?.none ? ('none' as const) : ('tgz' as const),
        location: outputLocation(run, call.scope, a, podName),
      },
    ]
  })
  return { inputs, outputs }
}

/** The Pod a node asks for: the template's fields substituted, wrapped by the executor when needed. */
export function desiredPod(run: Run, call: NodeCall, attempt: number): KObject {
  const { name } = call
  const resolve = lookup(run, {
    ...call.scope,
    retries: String(attempt),
    'pod.name': run.podName(call.template.name, name),
    'node.name': name,
  } as Scope)
  const sub = (v: unknown): unknown =>
    typeof v === 'string'
      ? substitute(v, resolve)
      : Array.isArray(v)
        ? v.map(sub)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]))
          : v
  const template = {
    ...(sub(podFields(call.template)) as Template),
    outputs: call.template.outputs,
  }
  if (call.avoidNodes)
    template.affinity = avoiding(template.affinity ?? run.spec.affinity, call.avoidNodes)
  const podName = run.podName(call.template.name, name)
  const artifacts = podArtifacts(run, call, podName, (s) => substitute(s, resolve))
  const { workflow, spec } = run.input
  const packed = artifacts.outputs.map(({ location: _l, ...rest }) => rest)
  let main: Container
  let siblings: Container[] | undefined
  let argv: string[] | undefined
  let plan: ExecutorPlan | undefined
  if (template.resource) {
    const resource = resourceContainer(template, {
      apiVersion: GROUP_VERSION,
      kind: 'Workflow',
      name: workflow.name,
      ...(workflow.uid && { uid: workflow.uid }),
    })
    if (typeof resource === 'string')
      throw new PodBuildError(`template ${call.template.name}: ${resource}`)
    ;({ main, argv, plan } = resource)
  } else if (template.http) {
    ;({ main, argv, plan } = httpContainer(template))
  } else if (template.containerSet) {
    const parts = containerSetParts(
      template,
      executorPlan(template, run.readsResult(call.displayName), packed),
      run.input.images,
    )
    if (typeof parts === 'string')
      throw new PodBuildError(`template ${call.template.name}: ${parts}`)
    const own = parts.find((p) => p.container.name === MAIN)!
    ;({ container: main, argv, plan } = own)
    siblings = wrapSiblings(parts, run.executorImage)
  } else {
    const source = template.container ?? template.script!
    const {
      source: _source,
      name: _name,
      ...fields
    } = source as typeof source & { source?: string }
    main = { ...(fields as Container), name: MAIN }
    plan = executorPlan(template, run.readsResult(call.displayName), packed)
    if (plan) argv = resolveArgv(main, run.input.images)
    if (plan && !argv?.length)
      throw new PodBuildError(
        `template ${call.template.name}: the image ${main.image} runs an entrypoint the executor does not know; give the container a command, or add the image to the ConfigMap ${IMAGES_CONFIGMAP}`,
      )
  }
  let executor: { init: Container; volume: Volume } | undefined
  if (plan) {
    let wrapped: ReturnType<typeof wrap>
    try {
      wrapped = wrap(main, argv!, plan, run.executorImage)
    } catch (error) {
      throw new PodBuildError(`template ${call.template.name}: ${(error as Error).message}`)
    }
    main = wrapped.main
    executor = { init: wrapped.init, volume: wrapped.volume }
  } else {
    main.terminationMessagePolicy = 'FallbackToLogsOnError'
    if (artifacts.inputs.length > 0) executor = executorInit(main, undefined, run.executorImage)
  }
  const moved = artifactContainers(artifacts.inputs, artifacts.outputs, {
    busyboxImage: run.executorImage,
    ...(main.securityContext && { securityContext: main.securityContext }),
  })
  if (moved.mounts.length > 0)
    main = { ...main, volumeMounts: [...(main.volumeMounts ?? []), ...moved.mounts] }
  return buildPod({
    workflow,
    nodeName: name,
    podName,
    template,
    spec,
    main,
    ...(siblings && { containers: inOrder(template, main, siblings) }),
    ...(executor && { executor }),
    artifacts: moved,
    ...(artifacts.outputs.length > 0 && {
      outputArtifacts: Object.fromEntries(artifacts.outputs.map((o) => [o.name, o.location])),
    }),
    claims: (spec.volumeClaimTemplates ?? []).map((c) => ({
      name: c.metadata.name,
      claimName: claimName(workflow.name, c.metadata.name),
    })),
  })
}

type PodCheck = (pod: KObject) => string | undefined
let podCheck: Promise<PodCheck> | undefined

/**
 * The Kubernetes schema check of a Pod (kubernetes-models' compiled validator), loaded on first use:
 * fields passed through from the workflow (affinity, tolerations, volumes, probes…) are checked
 * before the Pod is asked for, so a wrong one is a node Error naming it, not a Pod the API server
 * refuses on every sync.
 */
export function loadPodCheck(): Promise<PodCheck> {
  podCheck ??= import('kubernetes-models/v1/Pod').then(({ Pod }) => (pod: KObject) => {
    try {
      new Pod(pod as never).validate()
      return undefined
    } catch (error) {
      return (error as Error).message.replaceAll('data/', '').slice(0, 300)
    }
  })
  return podCheck
}

/**
 * retryStrategy.affinity.nodeAntiAffinity, as Argo does it: the attempt's Pod requires a machine
 * other than those earlier attempts ran on (added to every required node selector term).
 */
function avoiding(
  affinity: Template['affinity'],
  hosts: string[],
): NonNullable<Template['affinity']> {
  const not = { key: 'kubernetes.io/hostname', operator: 'NotIn', values: hosts }
  const a = (affinity ?? {}) as {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: { matchExpressions?: unknown[] }[]
      }
    }
  }
  const terms = a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? [{}]
  return {
    ...a,
    nodeAffinity: {
      ...a.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({
          ...t,
          matchExpressions: [...(t.matchExpressions ?? []), not],
        })),
      },
    },
  }
}
