import {
  matchesSelector,
  parseSelector,
  type DecoratorSyncResult,
  type HookContext,
  type KObject,
  type RelatedResourceRule,
} from 'metahooks'
import {
  SELECTOR_ANNOTATION,
  SKIPPED_ANNOTATION,
  SOURCE_ANNOTATION,
  SOURCE_LABEL,
  type NamespaceObject,
} from './schema.ts'

/**
 * Every opted-in Secret and ConfigMap in the cluster, for every Namespace (the decorated object).
 * Why decorate Namespaces and not the sources: a copy must be owned by something its namespace can
 * own — a namespaced source cannot own objects in other namespaces (Kubernetes would collect them
 * at once), but a cluster-scoped Namespace can own what lives in it.
 */
export function customize(): RelatedResourceRule[] {
  const labelSelector = { matchLabels: { [SOURCE_LABEL]: 'true' } }
  return [
    { apiVersion: 'v1', resource: 'secrets', labelSelector },
    { apiVersion: 'v1', resource: 'configmaps', labelSelector },
  ]
}

type Source = KObject & {
  data?: Record<string, string>
  binaryData?: Record<string, string>
  type?: string
}

/** The copy: the source's data (and Secret type), its labels minus the opt-in, a pointer back. */
function copy(source: Source, namespace: string): KObject {
  const { [SOURCE_LABEL]: _optIn, ...labels } = source.metadata.labels ?? {}
  return {
    apiVersion: 'v1',
    kind: source.kind,
    metadata: {
      name: source.metadata.name,
      namespace,
      ...(Object.keys(labels).length > 0 && { labels }),
      annotations: { [SOURCE_ANNOTATION]: `${source.metadata.namespace}/${source.metadata.name}` },
    },
    ...(source.kind === 'Secret' && source.type && { type: source.type }),
    ...(source.data && { data: source.data }),
    ...(source.binaryData && { binaryData: source.binaryData }),
  }
}

/**
 * Copies of the sources whose namespace selector matches this Namespace's labels (never into the
 * source's own namespace). A source whose name is already taken here by an earlier source (by
 * namespace/name order) is skipped and named in an annotation; so is one whose selector does not
 * parse — but its copy here, if there is one, is kept: a typo in a selector must not delete copies.
 */
export function sync({
  spec,
  related,
  children,
}: HookContext<NamespaceObject>): DecoratorSyncResult {
  const namespace = spec.metadata.name
  const labels = spec.metadata.labels ?? {}
  const copies: KObject[] = []
  const taken = new Set<string>()
  const skipped: string[] = []
  for (const source of [...related.list<Source>('ConfigMap'), ...related.list<Source>('Secret')]) {
    if (source.metadata.namespace === namespace) continue
    // A token Secret is bound to its ServiceAccount's namespace: copying it would be meaningless.
    if (source.type === 'kubernetes.io/service-account-token') continue
    const text = source.metadata.annotations?.[SELECTOR_ANNOTATION]
    if (text === undefined) continue
    let selector
    try {
      selector = parseSelector(text)
    } catch {
      skipped.push(
        `${source.kind} ${source.metadata.namespace}/${source.metadata.name} (bad selector)`,
      )
      selector = undefined
    }
    const key = `${source.kind}/${source.metadata.name}`
    if (selector === undefined) {
      const existing = children.get(source.kind, source.metadata.name, namespace)
      if (
        !existing ||
        existing.metadata.annotations?.[SOURCE_ANNOTATION] !==
          `${source.metadata.namespace}/${source.metadata.name}` ||
        taken.has(key)
      )
        continue
    } else if (Object.keys(selector).length === 0 || !matchesSelector(selector, labels)) continue
    if (taken.has(key)) {
      skipped.push(
        `${source.kind} ${source.metadata.namespace}/${source.metadata.name} (name taken)`,
      )
      continue
    }
    taken.add(key)
    copies.push(copy(source, namespace))
  }
  return {
    attachments: copies,
    annotations: { [SKIPPED_ANNOTATION]: skipped.length > 0 ? skipped.join(', ') : null },
    status: null,
  }
}
