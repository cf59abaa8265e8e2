import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { CompositeController } from '../hooks/core/contract/controllers.ts'
import { crdFor } from '../hooks/core/manifests/crd.ts'
import {
  generateManifests,
  manifestDrift,
  writeManifests,
} from '../hooks/core/manifests/generate.ts'
import { metacontrollerRules } from '../hooks/core/manifests/rbac.ts'
import { structuralProblems, structuralSchema } from '../hooks/core/manifests/schema.ts'
import { apiServerFormat } from '../hooks/core/k8s/schemas.ts'
import { formatProblem, validateManifests } from '../hooks/core/manifests/validate.ts'
import mypod from '../hooks/mypod/index.ts'
import { controllers } from '../hooks/registry.ts'
import { clusterThing } from './fixtures/controllers.ts'
import { ROOT } from './fixtures/server.ts'

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>)

describe('zod → structural CRD schema', () => {
  it.each([
    {
      name: 'string with default and pattern',
      schema: z.object({ a: z.string().regex(/^x/).default('x') }),
      expected: {
        type: 'object',
        properties: { a: { default: 'x', type: 'string', pattern: '^x' } },
      },
    },
    {
      name: 'required fields',
      schema: z.object({ a: z.string(), b: z.number().optional() }),
      expected: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'number' } },
        required: ['a'],
      },
    },
    {
      name: 'integer bounds',
      schema: z.object({ n: z.number().int().min(1).max(5) }),
      expected: {
        type: 'object',
        properties: { n: { type: 'integer', minimum: 1, maximum: 5 } },
        required: ['n'],
      },
    },
    {
      name: 'enum and literal union',
      schema: z.object({ e: z.enum(['A', 'B']), l: z.union([z.literal('x'), z.literal('y')]) }),
      expected: {
        type: 'object',
        properties: {
          e: { type: 'string', enum: ['A', 'B'] },
          l: { type: 'string', enum: ['x', 'y'] },
        },
        required: ['e', 'l'],
      },
    },
    {
      name: 'date format without the generated pattern',
      schema: z.object({ d: z.iso.date() }),
      expected: {
        type: 'object',
        properties: { d: { type: 'string', format: 'date' } },
        required: ['d'],
      },
    },
    {
      name: 'map of strings',
      schema: z.object({ m: z.record(z.string(), z.string()) }),
      expected: {
        type: 'object',
        properties: { m: { type: 'object', additionalProperties: { type: 'string' } } },
        required: ['m'],
      },
    },
    {
      name: 'deliberately open values',
      schema: z.object({ v: z.unknown(), o: z.record(z.string(), z.unknown()) }),
      expected: {
        type: 'object',
        properties: {
          v: { 'x-kubernetes-preserve-unknown-fields': true },
          o: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        required: ['v', 'o'],
      },
    },
    {
      name: 'strict object loses additionalProperties: false',
      schema: z.strictObject({ a: z.boolean() }),
      expected: { type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] },
    },
    {
      name: 'int or string',
      schema: z.object({ n: z.union([z.number().int(), z.string()]) }),
      expected: {
        type: 'object',
        properties: { n: { 'x-kubernetes-int-or-string': true } },
        required: ['n'],
      },
    },
    {
      name: 'a zod format Kubernetes does not know keeps its pattern',
      schema: z.object({ p: z.string().startsWith('/') }),
      expected: {
        type: 'object',
        properties: { p: { type: 'string', pattern: '^\\/.*' } },
        required: ['p'],
      },
    },
    {
      name: 'a format left to the API server',
      schema: z.object({ email: apiServerFormat('email') }),
      expected: {
        type: 'object',
        properties: { email: { type: 'string', format: 'email' } },
        required: ['email'],
      },
    },
    {
      name: 'array of objects',
      schema: z.object({ xs: z.array(z.object({ n: z.string() })).default([]) }),
      expected: {
        type: 'object',
        properties: {
          xs: {
            default: [],
            type: 'array',
            items: { type: 'object', properties: { n: { type: 'string' } }, required: ['n'] },
          },
        },
      },
    },
  ])('$name', ({ schema, expected }) => {
    const out = structuralSchema(schema)
    expect(out).toEqual(expected)
    expect(structuralProblems(out)).toEqual([])
  })

  it.each([
    {
      name: 'a union of different shapes',
      schema: z.object({ u: z.union([z.string(), z.object({ a: z.string() })]) }),
      error: /spec\.u: a union of different shapes/,
    },
    {
      name: 'a recursive schema',
      schema: (() => {
        const Node: z.ZodType = z.object({ children: z.array(z.lazy(() => Node)) })
        return Node
      })(),
      error: /recursive or referenced/,
    },
    {
      name: "zod's email check (it disagrees with the API server's format: email)",
      schema: z.object({ email: z.email() }),
      error:
        /spec\.email: zod's email check differs from the API server's format: email.*apiServerFormat\('email'\)/,
    },
    {
      name: "zod's uuid check",
      schema: z.object({ id: z.uuid() }),
      error: /spec\.id: zod's uuid check differs/,
    },
  ])('refuses $name', ({ schema, error }) => {
    expect(() => structuralSchema(schema)).toThrow(error)
  })
})

describe('generated manifests', () => {
  it('the Metacontroller RBAC may bind every role any binding child names, and no other', () => {
    const rules = metacontrollerRules(controllers)
    const bound = (resource: string) =>
      rules
        .filter((r) => r.verbs.includes('bind') && r.resources.includes(resource))
        .flatMap((r) => r.resourceNames ?? ['*'])
    const declared = controllers
      .flatMap((c) => (c.type === 'composite' ? c.children : c.attachments))
      .flatMap((c) => (c.binds ? [c.binds] : []))
    expect(declared.length).toBeGreaterThan(0)
    expect(bound('clusterroles')).toEqual(
      [...new Set(declared.flatMap((b) => b.clusterRoles ?? []))].sort(),
    )
    expect(bound('roles')).toEqual([...new Set(declared.flatMap((b) => b.roles ?? []))].sort())
    expect(rules.some((r) => r.verbs.includes('escalate') || r.verbs.includes('*'))).toBe(false)
  })

  const cluster = generateManifests(controllers, { target: 'cluster' })

  it('are deterministic', () => {
    expect(generateManifests(controllers, { target: 'cluster' })).toEqual(cluster)
  })

  it('match the committed files (fix: npx metahooks manifests)', () => {
    const drift = manifestDrift(ROOT, cluster)
    expect(
      drift,
      'committed manifests are out of date: run `npx metahooks manifests` and commit',
    ).toEqual([])
  })

  it('MyPod: a structural CRD with the status subresource, printer columns and the spec defaults', () => {
    const crd = crdFor(mypod) as Record<string, any>
    const version = crd.spec.versions[0]
    expect(crd.metadata.name).toBe('mypods.crd.example.com')
    expect(crd.spec.names).toEqual({
      kind: 'MyPod',
      listKind: 'MyPodList',
      plural: 'mypods',
      singular: 'mypod',
      shortNames: ['mp'],
    })
    expect(version.subresources).toEqual({ status: {} })
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual([
      'Image',
      'Phase',
      'Ready',
      'Age',
    ])
    expect(version.schema.openAPIV3Schema.properties.spec.properties.image).toMatchObject({
      type: 'string',
      default: 'nginx',
    })
    expect(structuralProblems(version.schema.openAPIV3Schema)).toEqual([])
  })

  it('cluster target: hooks call the Service with ETag and timeout; the server runs hardened', () => {
    const [, controller] = docs(cluster.get('compositecontrollers/mypod.yaml')!)
    expect(CompositeController.safeParse(controller).success).toBe(true)
    expect(controller!.spec.hooks.sync).toEqual({
      version: 'v2',
      webhook: {
        service: { name: 'metahooks', namespace: 'metahooks', port: 80 },
        path: '/mypod/sync',
        timeout: '10s',
        etag: { enabled: true, cacheTimeoutSeconds: 600, cacheCleanupSeconds: 300 },
      },
    })
    expect(controller!.spec.childResources).toEqual([
      { apiVersion: 'v1', resource: 'pods', updateStrategy: { method: 'InPlace' } },
    ])
    const server = docs(cluster.get('deploy/server.yaml')!)
    expect(server.map((d) => d.kind)).toEqual([
      'Namespace',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'HorizontalPodAutoscaler',
    ])
    const deployment = server[1]!
    const container = deployment.spec.template.spec.containers[0]
    // The autoscaler owns the replica count (stateless hooks scale out); an applied count would reset it.
    expect(deployment.spec.replicas).toBeUndefined()
    expect(server[5]!.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'metahooks' },
      minReplicas: 2,
      maxReplicas: 10,
    })
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true)
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    })
    expect(container.readinessProbe.httpGet.path).toBe('/readyz')
    expect(container.livenessProbe.httpGet.path).toBe('/healthz')
    expect(container.resources.requests).toBeDefined()
    expect(server[4]!.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metacontroller' } } },
    ])
    const controllerFiles = [...controllers]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((c) => `${c.type}controllers/${c.name}.yaml`)
    expect(docs(cluster.get('kustomization.yaml')!)[0]!.resources).toEqual([
      'deploy/server.yaml',
      ...controllerFiles,
    ])
  })

  it('cluster target with --auth wires one Secret to the server and every hook', () => {
    const files = generateManifests(controllers, { target: 'cluster', auth: true })
    const [, controller] = docs(files.get('compositecontrollers/mypod.yaml')!)
    expect(controller!.spec.hooks.sync.webhook.authorization).toEqual({
      type: 'Bearer',
      secretRef: { name: 'metahooks-auth', namespace: 'metahooks', key: 'token' },
    })
    const env = docs(files.get('deploy/server.yaml')!)[1]!.spec.template.spec.containers[0].env
    expect(env).toContainEqual({
      name: 'METAHOOKS_AUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: 'metahooks-auth', key: 'token' } },
    })
  })

  it.each([
    {
      name: 'plain HTTP, no auth',
      options: {},
      endpoint: { port: 'http', path: '/metrics' },
      absent: ['authorization', 'tlsConfig'],
    },
    {
      name: '--auth',
      options: { auth: true },
      endpoint: {
        port: 'http',
        authorization: { type: 'Bearer', credentials: { name: 'metahooks-auth', key: 'token' } },
      },
      absent: ['tlsConfig'],
    },
    {
      name: '--mtls',
      options: { mtls: true },
      endpoint: {
        port: 'https',
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'metahooks-tls', key: 'ca.crt' } },
          cert: { secret: { name: 'metahooks-client-tls', key: 'tls.crt' } },
        },
      },
      absent: ['authorization'],
    },
  ])(
    "--metrics ($name): a ServiceMonitor scraping /metrics with the hooks' credentials, Prometheus admitted, listed in the kustomization",
    ({ options, endpoint, absent }) => {
      const files = generateManifests(controllers, {
        target: 'cluster',
        monitoringNamespace: 'monitoring',
        ...options,
      })
      const [monitor] = docs(files.get('deploy/monitoring.yaml')!)
      expect(monitor!.spec.endpoints[0]).toMatchObject(endpoint)
      for (const key of absent) expect(monitor!.spec.endpoints[0]).not.toHaveProperty(key)
      const policy = docs(files.get('deploy/server.yaml')!).find((d) => d.kind === 'NetworkPolicy')!
      expect(policy.spec.ingress[0].from).toContainEqual({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      })
      expect(docs(files.get('kustomization.yaml')!)[0]!.resources).toContain(
        'deploy/monitoring.yaml',
      )
      expect(() =>
        generateManifests(controllers, {
          target: 'worker',
          url: 'https://x.example',
          monitoringNamespace: 'monitoring',
        }),
      ).toThrow(/cluster target/)
    },
  )

  it('worker target: hooks call the URL with a token; no server manifests', () => {
    const files = generateManifests(controllers, {
      target: 'worker',
      url: 'https://hooks.example.workers.dev/',
    })
    const [, controller] = docs(files.get('compositecontrollers/mypod.yaml')!)
    expect(controller!.spec.hooks.sync.webhook).toMatchObject({
      url: 'https://hooks.example.workers.dev/mypod/sync',
      authorization: {
        type: 'Bearer',
        secretRef: { name: 'metahooks-auth', namespace: 'metacontroller', key: 'token' },
      },
    })
    expect(files.has('deploy/server.yaml')).toBe(false)
    expect(docs(files.get('kustomization.yaml')!)[0]!.resources).not.toContain('deploy/server.yaml')
    expect(docs(files.get('kustomization.yaml')!)[0]!.resources).toContain(
      'compositecontrollers/mypod.yaml',
    )
    expect(() => generateManifests(controllers, { target: 'worker' })).toThrow(/needs --url/)
  })

  it.each([
    {
      name: '--tls: HTTPS from the metahooks-tls Secret, verified by its CA',
      options: { tls: true },
      client: false,
    },
    {
      name: '--mtls: and Metacontroller presents metahooks-client-tls',
      options: { mtls: true },
      client: true,
    },
  ])('cluster target $name', async ({ options, client }) => {
    const files = generateManifests(controllers, { target: 'cluster', ...options })
    const [, controller] = docs(files.get('compositecontrollers/mypod.yaml')!)
    expect(controller!.spec.hooks.sync.webhook).toMatchObject({
      service: { name: 'metahooks', namespace: 'metahooks', port: 443, protocol: 'https' },
      caBundle: { secretRef: { name: 'metahooks-tls', namespace: 'metahooks', key: 'ca.crt' } },
    })
    expect(controller!.spec.hooks.sync.webhook.clientTLS).toEqual(
      client ? { secretRef: { name: 'metahooks-client-tls', namespace: 'metahooks' } } : undefined,
    )
    const server = docs(files.get('deploy/server.yaml')!)
    const pod = server[1]!.spec.template.spec
    const container = pod.containers[0]
    expect(container.ports).toEqual([{ name: 'https', containerPort: 8443 }])
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'PORT', value: '8443' },
        { name: 'METAHOOKS_TLS_CERT_FILE', value: '/tls/tls.crt' },
        { name: 'METAHOOKS_TLS_KEY_FILE', value: '/tls/tls.key' },
      ]),
    )
    expect(
      container.env.some((e: { name: string }) => e.name === 'METAHOOKS_TLS_CLIENT_CA_FILE'),
    ).toBe(client)
    expect(container.readinessProbe.httpGet).toEqual({
      path: '/readyz',
      port: 'https',
      scheme: 'HTTPS',
    })
    expect(container.volumeMounts).toContainEqual({
      name: 'tls',
      mountPath: '/tls',
      readOnly: true,
    })
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'metahooks-tls' } })
    expect(server[2]!.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https' }])
    expect(server[4]!.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8443 }])
    // The TLS variant passes the same offline validation as the committed manifests.
    const dir = mkdtempSync(join(tmpdir(), 'metahooks-tls-manifests-'))
    try {
      writeManifests(dir, files)
      expect((await validateManifests([dir], controllers, dir)).map(formatProblem)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('--tls is refused for the worker target', () => {
    expect(() =>
      generateManifests(controllers, {
        target: 'worker',
        url: 'https://hooks.example.workers.dev',
        tls: true,
      }),
    ).toThrow(/cluster target/)
  })

  it('RBAC: least privilege for Metacontroller — parents, status, finalizers, children, related; never *', () => {
    const rules = metacontrollerRules([mypod, clusterThing])
    const find = (group: string, resource: string) =>
      rules.find((r) => r.apiGroups.includes(group) && r.resources.includes(resource))?.verbs
    expect(find('crd.example.com', 'mypods')).toEqual(['get', 'list', 'patch', 'update', 'watch'])
    expect(find('crd.example.com', 'mypods/status')).toEqual(['patch', 'update'])
    expect(find('crd.example.com', 'mypods/finalizers')).toEqual(['patch', 'update'])
    expect(find('', 'pods')).toEqual([
      'create',
      'delete',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ])
    expect(find('rbac.authorization.k8s.io', 'clusterroles')).toContain('create')
    expect(find('', 'namespaces')).toEqual(['get', 'list', 'watch'])
    expect(JSON.stringify(rules)).not.toContain('"*"')
  })
})

describe('metahooks validate', () => {
  it('passes on the repository', async () => {
    const problems = await validateManifests([ROOT], controllers, ROOT)
    expect(problems.map(formatProblem)).toEqual([])
  })

  const broken = readdirSync(join(ROOT, 'test/fixtures/broken')).sort()
  it('has a corpus of at least 10 broken manifests', () =>
    expect(broken.length).toBeGreaterThanOrEqual(10))
  it.each(broken)('rejects %s with the expected message', async (file) => {
    const path = join(ROOT, 'test/fixtures/broken', file)
    const expected = readFileSync(path, 'utf8')
      .split('\n')[0]!
      .replace(/^# expect: /, '')
    const problems = (await validateManifests([path], controllers, ROOT)).map(formatProblem)
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.join('\n')).toContain(`test/fixtures/broken/${file} (document 1): `)
    expect(problems.join('\n')).toContain(expected)
  })
})
