import {
  ApiException,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  type KubernetesObject,
} from '@kubernetes/client-node'
// Not re-exported by the package's index; the file is part of its published dist.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js'
import type { ApiServer } from './cluster.ts'

const verbatimTypes = new Set<string>()

/**
 * Makes the client send objects of this type exactly as given, as Metacontroller's unstructured
 * client does. For built-in kinds client-node otherwise serializes through its typed models, which
 * expect their own camelCase names and drop anything else: a CRD's `x-kubernetes-int-or-string`
 * vanishes (and the API server then refuses the schema), and an unknown field — the typo strict
 * field validation is there to catch — would never reach the server.
 */
export function sendVerbatim(object: KubernetesObject): void {
  const apiVersion = object.apiVersion ?? ''
  const [group, version] = apiVersion.includes('/')
    ? (apiVersion.split('/') as [string, string])
    : ['', apiVersion]
  const key = `${apiVersion} ${object.kind}`
  if (verbatimTypes.has(key)) return
  ObjectSerializer.registerModel(
    { group, version, kind: object.kind! },
    { serialize: (data: unknown) => data, deserialize: (data: unknown) => data },
  )
  verbatimTypes.add(key)
}

/** A KubeConfig for one of the tier's API servers, as `token` (default: the admin). */
export function kubeConfig(server: ApiServer, token = server.adminToken): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [
      { name: 'tier', server: server.url, caData: Buffer.from(server.ca).toString('base64') },
    ],
    users: [{ name: 'tier', token }],
    contexts: [{ name: 'tier', cluster: 'tier', user: 'tier' }],
    currentContext: 'tier',
  })
  return kc
}

/**
 * The generic object client, asking for strict field validation on every request (as `kubectl`
 * does by default): an unknown or duplicated field is an error, not a warning the API drops.
 */
export function objectsClient(kc: KubeConfig): KubernetesObjectApi {
  const cluster = kc.getCurrentCluster()!
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context) => {
          context.setQueryParam('fieldValidation', 'Strict')
          return context
        },
        post: async (context) => context,
      },
    ],
  })
  return new KubernetesObjectApi(configuration)
}

/** The API server's own words for a refusal: `Pod "x" is invalid: spec…` rather than a stack. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const body = JSON.parse(error.body as string) as { message?: string }
      if (body.message) return `${error.code}: ${body.message}`
    } catch {
      // not JSON: fall through
    }
    return `${error.code}: ${String(error.body).slice(0, 500)}`
  }
  return (error as Error).message
}

/** A server-side dry-run create; resolves with the API server's refusal, or undefined if accepted. */
export async function dryRunCreate(
  client: KubernetesObjectApi,
  object: KubernetesObject,
): Promise<string | undefined> {
  sendVerbatim(object)
  try {
    await client.create(object, undefined, 'All')
    return undefined
  } catch (error) {
    return apiMessage(error)
  }
}
