import type { KObject } from '../contract/objects.ts'
import { defaultScope } from '../k8s/resources.ts'
import type { ControllerDefinition, HookName } from '../define.ts'
import { checkResponse } from '../check.ts'
import { controllerManifest } from '../manifests/controller.ts'
import { runHook } from '../run.ts'
import {
  CONTROLLER_UID_LABEL,
  controllerRef,
  controllerRefTo,
  ownerReferences,
} from './ownership.ts'
import { hookFor, requestFor } from './requests.ts'
import { ignoredInputs, type Ignored } from './ignored.ts'
import type { RelatedResourceRule } from '../contract/responses.ts'

/** A hook call that did not produce a checked 200; the message is one line. */
export class RenderError extends Error {
  override name = 'RenderError'
}

export interface RenderInput {
  parent: KObject
  observed?: readonly KObject[]
  hook?: HookName
  /** Send the request to a running server (`http://127.0.0.1:8080`) instead of calling in-process. */
  url?: string
  /** Sent as `Authorization` when calling a server. */
  authorization?: string
  /** The time a clock-using controller sees (in-process only; a server uses its own clock). */
  now?: Date
}

export interface Rendered {
  hook: HookName
  request: unknown
  response: Record<string, unknown>
  /** The response body exactly as received (or as the server would send it). */
  body: string
  /** Input objects the request does not carry, with the reason Metacontroller would leave them out. */
  ignored: Ignored[]
}

/**
 * An object applied from a file: a namespaced one without a namespace lands in `default`, as
 * `kubectl apply` would put it (the scope from the definitions' resources, else the built-in table).
 */
export function inDefaultNamespace(
  definitions: readonly ControllerDefinition[],
  o: KObject,
): KObject {
  if (o.metadata.namespace) return o
  const scopes = definitions.flatMap((d): { apiVersion: string; kind: string; scope: string }[] =>
    d.type === 'composite' ? [d.parent] : [...d.resources],
  )
  const scope =
    scopes.find((r) => r.apiVersion === o.apiVersion && r.kind === o.kind)?.scope ??
    defaultScope(o.kind)
  return scope === 'Cluster' ? o : { ...o, metadata: { ...o.metadata, namespace: 'default' } }
}

/** Fills in what the API server would have set on a parent applied from a file. */
export function asStored(definition: ControllerDefinition, parent: KObject): KObject {
  const namespaced =
    definition.type === 'composite'
      ? definition.parent.scope === 'Namespaced'
      : definition.resources.find((r) => r.kind === parent.kind)?.scope !== 'Cluster'
  return {
    ...parent,
    metadata: {
      ...parent.metadata,
      ...(namespaced && !parent.metadata.namespace && { namespace: 'default' }),
      uid: parent.metadata.uid ?? '00000000-0000-4000-8000-000000000000',
      generation: parent.metadata.generation ?? 1,
    },
  }
}

/**
 * Objects of a declared child type that have no controller reference are taken as this
 * parent's children, as if Metacontroller had created them (owner reference and, under
 * generateSelector, the controller-uid label). Objects controlled by something else stay theirs.
 */
export function ownObserved(
  definition: ControllerDefinition,
  parent: KObject,
  objects: readonly KObject[],
): KObject[] {
  const declared = definition.type === 'composite' ? definition.children : definition.attachments
  return objects.map((o) => {
    if (
      controllerRef(o) ||
      !declared.some((d) => d.kind === o.kind && d.apiVersion === o.apiVersion)
    )
      return o
    const labels =
      definition.type === 'composite' && definition.generateSelector
        ? { ...o.metadata.labels, [CONTROLLER_UID_LABEL]: parent.metadata.uid ?? '' }
        : o.metadata.labels
    const annotations =
      definition.type === 'decorator'
        ? {
            ...o.metadata.annotations,
            'metacontroller.k8s.io/decorator-controller': definition.name,
          }
        : o.metadata.annotations
    return {
      ...o,
      metadata: {
        ...o.metadata,
        namespace: o.metadata.namespace ?? parent.metadata.namespace,
        ...(labels && { labels }),
        ...(annotations && { annotations }),
        ownerReferences: [...ownerReferences(o), controllerRefTo(parent)],
      },
    } as KObject
  })
}

async function call(
  definition: ControllerDefinition,
  hook: HookName,
  request: unknown,
  parent: KObject,
  input: RenderInput,
): Promise<{ response: Record<string, unknown>; body: string }> {
  if (!input.url) {
    const outcome = await runHook(definition, hook, request, input.now ? { now: input.now } : {})
    if (!outcome.ok) throw new RenderError(`${hook} answered ${outcome.status}: ${outcome.message}`)
    return { response: outcome.response, body: outcome.body }
  }
  const url = `${input.url.replace(/\/+$/, '')}/${definition.name}/${hook}`
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(input.authorization && { Authorization: input.authorization }),
      },
      body: JSON.stringify(request),
    })
  } catch (error) {
    throw new RenderError(
      `${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
    )
  }
  const body = await res.text()
  if (res.status !== 200)
    throw new RenderError(`${url} answered ${res.status}: ${body.split('\n')[0]}`)
  let response: Record<string, unknown>
  try {
    response = JSON.parse(body) as Record<string, unknown>
  } catch {
    throw new RenderError(`${url} answered 200 with a body that is not JSON`)
  }
  const problems = checkResponse({ definition, hook, parent, response })
  if (problems.length > 0)
    throw new RenderError(`${url}: response check failed: ${problems.slice(0, 3).join('; ')}`)
  return { response, body }
}

/** One hook call, exactly as Metacontroller would make it for this parent and these objects. */
export async function render(
  definition: ControllerDefinition,
  input: RenderInput,
): Promise<Rendered> {
  const parent = asStored(definition, input.parent)
  const hook = input.hook ?? hookFor(definition, parent)
  if (hook !== 'sync' && !definition[hook])
    throw new RenderError(`controller ${definition.name} has no ${hook} hook`)
  const controller = controllerManifest(definition)
  if (hook === 'customize') {
    const request = { controller, parent }
    const ignored = (input.observed ?? []).map((o) => ({
      object: `${o.kind} ${o.metadata.name}`,
      reason: 'the customize hook is sent the parent only',
    }))
    return { hook, request, ...(await call(definition, hook, request, parent, input)), ignored }
  }
  let rules: RelatedResourceRule[] = []
  if (definition.customize) {
    const customized = await call(definition, 'customize', { controller, parent }, parent, input)
    rules = (customized.response.relatedResources as RelatedResourceRule[] | undefined) ?? []
  }
  const objects = ownObserved(definition, parent, input.observed ?? [])
  const request = requestFor(definition, {
    parent,
    objects,
    rules,
    finalizing: hook === 'finalize',
  })
  return {
    hook,
    request,
    ...(await call(definition, hook, request, parent, input)),
    ignored: ignoredInputs(definition, parent, objects, request),
  }
}
