import type { KubernetesObjectApi } from '@kubernetes/client-node'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { apiMessage, dryRunCreate } from './client.ts'

const made = new WeakMap<KubernetesObjectApi, Set<string>>()

/** Creates a namespace for real (once per client); children are dry-run into it. */
export async function ensureNamespace(client: KubernetesObjectApi, name: string): Promise<void> {
  const done = made.get(client) ?? new Set<string>()
  made.set(client, done)
  if (done.has(name)) return
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  } catch (error) {
    if (!/^409/.test(apiMessage(error)))
      throw new Error(`creating namespace ${name}: ${apiMessage(error)}`)
  }
  done.add(name)
}

/**
 * Sends every child to the API server as a server-side dry-run create (strict field validation)
 * in the namespace Metacontroller would create it in, and returns the refusals: `Kind name: why`.
 */
export async function refusedChildren(
  client: KubernetesObjectApi,
  definition: ControllerDefinition,
  parent: KObject,
  children: readonly KObject[],
): Promise<string[]> {
  const declared = definition.type === 'composite' ? definition.children : definition.attachments
  const refusals: string[] = []
  for (const child of children) {
    const type = declared.find((d) => d.kind === child.kind && d.apiVersion === child.apiVersion)
    const namespace =
      type?.scope === 'Cluster'
        ? undefined
        : (child.metadata.namespace ?? parent.metadata.namespace)
    if (namespace) await ensureNamespace(client, namespace)
    const object = { ...child, metadata: { ...child.metadata, ...(namespace && { namespace }) } }
    const isNamespace = child.kind === 'Namespace' && child.apiVersion === 'v1'
    let refusal = await dryRunCreate(client, object)
    // Namespaces are made for real (later children go in them); one made earlier already exists.
    if (isNamespace && refusal?.startsWith('409')) refusal = undefined
    if (isNamespace && !refusal) await ensureNamespace(client, child.metadata.name)
    if (refusal)
      refusals.push(
        `${child.kind} ${namespace ? `${namespace}/` : ''}${child.metadata.name}: ${refusal}`,
      )
  }
  return refusals
}

/** The children (or attachments) of a hook response. */
export const childrenOf = (response: Record<string, unknown>) =>
  (response.children ?? response.attachments ?? []) as KObject[]
