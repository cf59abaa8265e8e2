import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { request as httpsRequest, type RequestOptions } from 'node:https'
import type { KObject } from '../../contract/objects.ts'
import { defaultScope, pluralize } from '../../k8s/resources.ts'
import type { ControllerDefinition } from '../../define.ts'

/** How often a request the API server answers 429 is sent again. */
const MAX_RETRIES = 5

/** The flags every cluster command takes to pick the cluster, as kubectl's do. */
export const CLUSTER_OPTIONS = {
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
} as const

/** Metacontroller's own CRDs: no CompositeController or DecoratorController without them. */
export const METACONTROLLER_CRDS = [
  'compositecontrollers.metacontroller.k8s.io',
  'decoratorcontrollers.metacontroller.k8s.io',
]

export type Crd = KObject & {
  status?: { conditions?: { type: string; status: string; message?: string }[] }
}

/** Whether the API server serves a CRD's types (its Established condition is True). */
export function established(crd: Crd | undefined): boolean {
  return (
    crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true
  )
}

const CRD_TYPE: TypeInfo = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  resource: 'customresourcedefinitions',
  scope: 'Cluster',
}

/** A Kubernetes API answer that is not a success: the API server's own message, one line. */
export class KubeError extends Error {
  override name = 'KubeError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface KubeOptions {
  /** A kubeconfig context other than the current one (`--context`). */
  context?: string
  /** A kubeconfig file other than $KUBECONFIG or ~/.kube/config (`--kubeconfig`). */
  kubeconfig?: string
}

/** Where an object type lives in the API: its plural and scope. */
export interface TypeInfo {
  apiVersion: string
  kind: string
  resource: string
  scope: 'Namespaced' | 'Cluster'
}

/**
 * The API server of the user's kubeconfig, as kubectl finds it. @kubernetes/client-node loads the
 * kubeconfig and authenticates (tokens, client certificates, exec and auth-provider plugins); the
 * requests themselves are plain JSON over node:https, so objects reach the server exactly as
 * written (client-node's typed models drop fields they do not know). Loaded lazily: only the
 * cluster commands pay for client-node, and the Worker never sees it.
 */
export class Kube {
  private constructor(
    readonly server: string,
    readonly contextName: string,
    private readonly applyAuth: (options: RequestOptions) => Promise<void>,
  ) {}

  static async connect(options: KubeOptions = {}): Promise<Kube> {
    const { KubeConfig } = await import('@kubernetes/client-node')
    const kc = new KubeConfig()
    try {
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig)
      else kc.loadFromDefault()
    } catch (error) {
      throw new Error(
        `cannot read the kubeconfig ${options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(error as Error).message}`,
      )
    }
    if (options.context) {
      if (!kc.getContexts().some((c) => c.name === options.context))
        throw new Error(
          `no context "${options.context}" in the kubeconfig (it has: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          })`,
        )
      kc.setCurrentContext(options.context)
    }
    const cluster = kc.getCurrentCluster()
    if (!cluster)
      throw new Error(
        'no cluster in the kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config',
      )
    return new Kube(cluster.server.replace(/\/+$/, ''), kc.getCurrentContext(), (o) =>
      kc.applyToHTTPSOptions(o),
    )
  }

  /**
   * Sends one request with the kubeconfig's credentials, over http or https as the server's URL
   * says; resolves once the answer starts arriving (its body is the caller's to read).
   */
  private async open(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload?: string,
  ): Promise<IncomingMessage> {
    const url = new URL(`${this.server}${path}`)
    const options: RequestOptions = { method, headers }
    await this.applyAuth(options)
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest
    return new Promise((resolve, reject) => {
      const req = send(url, options, resolve)
      req.on('error', (error) =>
        reject(
          new Error(
            `cannot reach the API server at ${this.server} (context ${this.contextName}): ${error.message}`,
          ),
        ),
      )
      req.end(payload)
    })
  }

  /** One request; JSON in and out. 404 answers undefined for GET; other failures throw KubeError. */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T | undefined> {
    const headers = {
      Accept: 'application/json',
      ...(body !== undefined && { 'Content-Type': contentType }),
    }
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    const once = async () => {
      const res = await this.open(method, path, headers, payload)
      return {
        status: res.statusCode ?? 0,
        text: await readText(res),
        retryAfter: Number(res.headers['retry-after']) || 1,
      }
    }
    // 429 asks to come back (a new CRD's storage initializing, API priority and fairness), as
    // client-go does: after Retry-After, a few times.
    let answer = await once()
    for (let attempt = 1; answer.status === 429 && attempt <= MAX_RETRIES; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(answer.retryAfter, 5) * 1000))
      answer = await once()
    }
    const { status, text } = answer
    if (status === 404 && method === 'GET') return undefined
    if (status < 200 || status >= 300)
      throw new KubeError(status, `${method} ${path}: ${status} ${statusMessage(text)}`)
    return (text ? JSON.parse(text) : {}) as T
  }

  /**
   * Watches a collection from a resourceVersion (`?watch=1`): each event as it comes, one JSON
   * object a line. Resolves when the server ends the stream (it does after a while); the caller
   * lists again and watches from there. `stop` ends it early.
   */
  async watch(
    path: string,
    resourceVersion: string,
    onEvent: (event: { type: string; object: KObject }) => void,
  ): Promise<{ stop(): void; ended: Promise<void> }> {
    const watched = `${path}${path.includes('?') ? '&' : '?'}watch=1&resourceVersion=${encodeURIComponent(resourceVersion)}`
    let response: IncomingMessage | undefined
    let stopped = false
    const stop = () => {
      stopped = true
      response?.destroy()
    }
    const ended = this.open('GET', watched, { Accept: 'application/json' }).then(
      (res) =>
        new Promise<void>((resolve) => {
          response = res
          if (stopped) res.destroy()
          let buffered = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            buffered += chunk
            for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
              const line = buffered.slice(0, nl)
              buffered = buffered.slice(nl + 1)
              if (line.trim()) onEvent(JSON.parse(line) as { type: string; object: KObject })
            }
          })
          res.on('end', resolve)
          res.on('close', resolve)
          res.on('error', () => resolve())
        }),
      () => undefined,
    )
    return { stop, ended }
  }

  /**
   * A GET whose answer is read as it arrives (a Pod's log with `follow=true`): the body as a web
   * stream, or the API server's message when it refuses.
   */
  async stream(
    path: string,
  ): Promise<
    { ok: true; body: ReadableStream<Uint8Array> } | { ok: false; status: number; message: string }
  > {
    const res = await this.open('GET', path, {})
    const status = res.statusCode ?? 0
    if (status >= 200 && status < 300)
      return { ok: true, body: Readable.toWeb(res) as ReadableStream<Uint8Array> }
    return { ok: false, status, message: statusMessage(await readText(res)) }
  }

  /** A list with the resourceVersion a watch continues from. */
  async listWithVersion<T = KObject>(
    path: string,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const list = await this.request<{
      apiVersion?: string
      kind?: string
      metadata?: { resourceVersion?: string }
      items?: Record<string, unknown>[]
    }>('GET', path)
    const kind = list?.kind?.replace(/List$/, '')
    return {
      items: (list?.items ?? []).map((item) => ({
        apiVersion: list?.apiVersion,
        kind,
        ...item,
      })) as T[],
      resourceVersion: list?.metadata?.resourceVersion ?? '',
    }
  }

  /** A CustomResourceDefinition by name, or undefined. */
  crd(name: string): Promise<Crd | undefined> {
    return this.get<Crd>(pathOf(CRD_TYPE, undefined, name))
  }

  get<T = KObject>(path: string): Promise<T | undefined> {
    return this.request<T>('GET', path)
  }

  /** A list's items, each with the apiVersion and kind the API leaves out of list items. */
  async list<T = KObject>(path: string): Promise<T[]> {
    return (await this.listWithVersion<T>(path)).items
  }

  /** Server-side apply as the `metahooks` field manager (taking fields over from others, as `kubectl apply --server-side --force-conflicts`). */
  async apply(type: TypeInfo, object: KObject, dryRun: boolean): Promise<KObject> {
    const query = `?fieldManager=metahooks&force=true${dryRun ? '&dryRun=All' : ''}`
    return (await this.request<KObject>(
      'PATCH',
      `${pathOf(type, object.metadata.namespace, object.metadata.name)}${query}`,
      object,
      'application/apply-patch+yaml',
    ))!
  }
}

/** The API path of a type (`namespace` for namespaced types; none lists across namespaces). */
export function pathOf(type: TypeInfo, namespace?: string, name?: string): string {
  const base = type.apiVersion.includes('/')
    ? `/apis/${type.apiVersion}`
    : `/api/${type.apiVersion}`
  const ns =
    type.scope === 'Namespaced' && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  return `${base}${ns}/${type.resource}${name ? `/${encodeURIComponent(name)}` : ''}`
}

/** An object's type: the definitions' own types first (their declared plurals), then Kubernetes' rules. */
export function typeOf(
  definitions: readonly ControllerDefinition[],
  apiVersion: string,
  kind: string,
): TypeInfo {
  for (const d of definitions) {
    const types =
      d.type === 'composite'
        ? [{ ...d.parent, resource: d.parent.plural }, ...d.children]
        : [...d.resources, ...d.attachments]
    const found = types.find((t) => t.apiVersion === apiVersion && t.kind === kind)
    if (found) return { apiVersion, kind, resource: found.resource, scope: found.scope }
    const custom = d.customResources?.find(
      (c) => `${c.group}/${c.version}` === apiVersion && c.kind === kind,
    )
    if (custom) return { apiVersion, kind, resource: custom.plural, scope: custom.scope }
  }
  return { apiVersion, kind, resource: pluralize(kind), scope: defaultScope(kind) }
}

/** A whole answer's body as text. */
function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', reject)
  })
}

/** What an error answer says: a Status object's message, else the start of the text. */
function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text.slice(0, 300)
  } catch {
    return text.slice(0, 300)
  }
}
