import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { executorRbac, resourceOf, unionRules } from '../../hooks/workflow/rbac.ts'
import { workflowRbac } from '../../hooks/workflow/rbac-command.ts'
import { WorkflowSpec } from '../../hooks/workflow/schema.ts'
import { ROOT } from '../fixtures/server.ts'

const spec = (templates: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  WorkflowSpec.parse({ entrypoint: 'a', serviceAccountName: 'runner', templates, ...extra })
const job = 'apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\n'
const rulesOf = (objects: { kind: string; rules?: unknown }[]) =>
  objects.find((o) => o.kind === 'Role')?.rules

describe('workflow-rbac: least privilege for resource templates', () => {
  const cases: {
    name: string
    reason: string
    resource: Record<string, unknown>
    outputs?: boolean
    rules: unknown
  }[] = [
    {
      name: 'create',
      reason: 'kubectl create is one POST',
      resource: { action: 'create', manifest: job },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }],
    },
    {
      name: 'create, then wait',
      reason: 'conditions and outputs read the object',
      resource: { action: 'create', manifest: job, successCondition: 'status.succeeded > 0' },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] }],
    },
    {
      name: 'apply',
      reason: 'client-side apply reads, then creates or patches',
      resource: { action: 'apply', manifest: 'apiVersion: v1\nkind: ConfigMap\n' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'patch'] }],
    },
    {
      name: 'delete',
      reason: 'kubectl delete watches the object until it is gone',
      resource: {
        action: 'delete',
        manifest: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n',
      },
      rules: [
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['networkpolicies'],
          verbs: ['delete', 'get', 'list', 'watch'],
        },
      ],
    },
    {
      name: 'a json patch',
      reason: 'the object is named in flags',
      resource: {
        action: 'patch',
        mergeStrategy: 'json',
        manifest: '[]',
        flags: ['deployment.apps', 'web'],
      },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }],
    },
  ]
  it.each(cases)('$name: $reason', (c) => {
    const { objects, skipped } = executorRbac(spec([{ name: 'a', resource: c.resource }]), 'team')
    expect(skipped).toEqual([])
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/team/runner',
      'Role/team/runner',
      'RoleBinding/team/runner',
    ])
    expect(rulesOf(objects)).toEqual(c.rules)
  })

  it('names what it cannot work out, and never grants the default service account', () => {
    const templated = spec([
      {
        name: 'a',
        resource: {
          action: 'create',
          manifest: 'apiVersion: v1\nkind: "{{inputs.parameters.kind}}"\n',
        },
      },
    ])
    expect(executorRbac(templated, 'ns').skipped).toEqual([
      "template a: its manifest's apiVersion and kind are not written out",
    ])
    const noAccount = WorkflowSpec.parse({
      entrypoint: 'a',
      templates: [{ name: 'a', resource: { action: 'create', manifest: job } }],
    })
    expect(executorRbac(noAccount, 'ns')).toEqual({
      objects: [],
      skipped: [
        expect.stringMatching(/^template a: runs as the namespace's default service account/),
      ],
    })
    expect(executorRbac(noAccount, 'ns', 'given').objects.map((o) => o.metadata.name)).toEqual([
      'given',
      'given',
      'given',
    ])
  })

  it.each([
    ['Job', 'jobs'],
    ['Ingress', 'ingresses'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Gateway', 'gateways'],
    ['ConfigMap', 'configmaps'],
  ])('%s is the resource %s', (kind, resource) => expect(resourceOf(kind)).toBe(resource))

  it('two workflows under one service account: one Role with the verbs of both', () => {
    const jobs = { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }
    const merged = unionRules(
      [jobs],
      [
        { ...jobs, verbs: ['get', 'create'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] },
      ],
    )
    expect(merged).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] },
    ])
  })

  it('examples/workflows/k8s-jobs.rbac.yaml is what workflow-rbac prints for k8s-jobs.yaml', async () => {
    let printed = ''
    await workflowRbac(
      ['-f', join(ROOT, 'examples/workflows/k8s-jobs.yaml')],
      (t) => (printed += t),
      () => {},
    )
    expect(printed).toBe(readFileSync(join(ROOT, 'examples/workflows/k8s-jobs.rbac.yaml'), 'utf8'))
  })
})
