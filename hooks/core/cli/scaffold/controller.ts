// The files `metahooks new` writes for one controller: schema, sync, index (read top to bottom like
// Metacontroller's example hooks), a table-driven test with named cases, and an example.

export interface CompositeParams {
  name: string
  group: string
  version: string
  kind: string
  plural: string
  scope: 'Namespaced' | 'Cluster'
}

export interface DecoratorParams {
  name: string
  apiVersion: string
  kind: string
  /** The annotation a target carries to be decorated. */
  annotation: string
}

/** Identifier-safe: `my-thing` → `myThing` / `MyThing`. */
export const camel = (name: string): string =>
  name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
const pascal = (name: string): string => camel(name).replace(/^./, (c) => c.toUpperCase())

export function compositeFiles(p: CompositeParams): Map<string, string> {
  const Spec = `${p.kind}Spec`
  const namespace = p.scope === 'Namespaced' ? '\n  namespace: default' : ''
  return new Map([
    [
      `hooks/${p.name}/schema.ts`,
      `import * as z from 'zod'

/** A ${p.kind}'s spec: its CRD's schema is generated from this, and every sync parses it (a 422 when invalid). */
export const ${Spec} = z.strictObject({
  /** Who to greet. */
  name: z.string().min(1).max(100),
  /** How to greet them. */
  greeting: z.string().min(1).max(100).default('Hello'),
})
export type ${Spec} = z.infer<typeof ${Spec}>
`,
    ],
    [
      `hooks/${p.name}/sync.ts`,
      `import { childName, condition, type CompositeSyncResult, type HookContext } from 'metahooks'
import type { ${Spec} } from './schema.ts'

/**
 * The desired state of one ${p.kind}: a ConfigMap holding its message. Metacontroller creates,
 * updates and deletes the children to match, and writes the status.
 */
export function sync({ parent, spec, children }: HookContext<${Spec}>): CompositeSyncResult {
  const name = childName({ apiVersion: 'v1', kind: 'ConfigMap' }, parent.metadata.name, 'message')
  const message = \`\${spec.greeting}, \${spec.name}!\`
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name${p.scope === 'Cluster' ? `, namespace: 'default'` : ''} },
    data: { message },
  }
  const created = children.get('ConfigMap', name) !== undefined
  return {
    children: [configMap],
    status: {
      message,
      conditions: [condition('Ready', created, created ? 'Created' : 'Creating', created ? \`ConfigMap \${name} holds the message\` : \`creating ConfigMap \${name}\`)],
    },
  }
}
`,
    ],
    [
      `hooks/${p.name}/index.ts`,
      `import { defineCompositeController } from 'metahooks'
import { ${Spec} } from './schema.ts'
import { sync } from './sync.ts'

export default defineCompositeController({
  name: '${p.name}',
  parent: {
    group: '${p.group}',
    version: '${p.version}',
    kind: '${p.kind}',
    plural: '${p.plural}',
    singular: '${p.kind.toLowerCase()}',
    scope: '${p.scope}',
    spec: ${Spec},
    printerColumns: [{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }],
  },
  children: [{ apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' }],
  // Metacontroller labels the children with the parent's uid and claims them by it.
  generateSelector: true,
  sync,
})
`,
    ],
    [
      `examples/${p.name}.yaml`,
      `apiVersion: ${p.group}/${p.version}
kind: ${p.kind}
metadata:
  name: example${namespace}
spec:
  name: world
`,
    ],
    [
      `test/${p.name}.test.ts`,
      `import { describe, expect, it } from 'vitest'
import type { KObject } from 'metahooks'
import { checkConformance, loadOne, render, Simulation } from 'metahooks/testing'
import ${camel(p.name)} from '../hooks/${p.name}/index.ts'

const example = loadOne('examples/${p.name}.yaml')
const withSpec = (spec: Record<string, unknown>): KObject => ({ ...example, spec })

describe('${p.name}', () => {
  it.each([
    { name: 'default greeting', reason: 'greeting defaults to Hello', spec: { name: 'world' }, message: 'Hello, world!' },
    { name: 'own greeting', reason: 'the spec reaches the ConfigMap', spec: { name: 'team', greeting: 'Hi' }, message: 'Hi, team!' },
  ])('$name: $reason', async ({ spec, message }) => {
    const { response } = await render(${camel(p.name)}, { parent: withSpec(spec) })
    expect(response.children).toEqual([expect.objectContaining({ kind: 'ConfigMap', data: { message } })])
    expect(response.status).toMatchObject({ message, conditions: [{ type: 'Ready', status: 'False' }] })
  })

  it.each([
    { name: 'empty name', spec: { name: '' } },
    { name: 'unknown field', spec: { name: 'world', colour: 'red' } },
  ])('refuses an invalid spec ($name) with a 422, never 200 with fewer children', async ({ spec }) => {
    await expect(render(${camel(p.name)}, { parent: withSpec(spec) })).rejects.toThrow(/422/)
  })

  it('converges, is idempotent and deterministic, and cleans up (the toolkit\\'s conformance check)', async () => {
    expect(await checkConformance(${camel(p.name)}, { parent: example, invalidSpecs: [{ name: '' }] })).toEqual([])
  })

  it('is Ready once Metacontroller created the ConfigMap', async () => {
    const sim = new Simulation(${camel(p.name)}, { parent: example })
    expect((await sim.run()).converged).toBe(true)
    expect(sim.status).toMatchObject({ conditions: [{ type: 'Ready', status: 'True' }] })
  })
})
`,
    ],
  ])
}

export function decoratorFiles(p: DecoratorParams): Map<string, string> {
  const Target = `${pascal(p.name)}Target`
  return new Map([
    [
      `hooks/${p.name}/schema.ts`,
      `import * as z from 'zod'

/** The annotation a ${p.kind} carries to be decorated; its value is the note to attach. */
export const ANNOTATION = '${p.annotation}'

/** What the decorator reads of a ${p.kind} (parsed on every sync: a 422 when it does not match). */
export const ${Target} = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    annotations: z.looseObject({ [ANNOTATION]: z.string().max(1000) }),
  }),
})
export type ${Target} = z.infer<typeof ${Target}>
`,
    ],
    [
      `hooks/${p.name}/sync.ts`,
      `import { childName, labelValueOf, type DecoratorSyncResult, type HookContext } from 'metahooks'
import { ANNOTATION, type ${Target} } from './schema.ts'

/** Each annotated ${p.kind} gets a ConfigMap holding its note, and a label saying so. */
export function sync({ spec }: HookContext<${Target}>): DecoratorSyncResult {
  const target = spec.metadata.name
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: childName({ apiVersion: 'v1', kind: 'ConfigMap' }, target, '${p.name}') },
    data: { note: spec.metadata.annotations[ANNOTATION] },
  }
  return { attachments: [configMap], labels: { '${p.name}': labelValueOf(target) } }
}
`,
    ],
    [
      `hooks/${p.name}/index.ts`,
      `import { defineDecoratorController } from 'metahooks'
import { ANNOTATION, ${Target} } from './schema.ts'
import { sync } from './sync.ts'

export default defineDecoratorController({
  name: '${p.name}',
  resources: [{ apiVersion: '${p.apiVersion}', kind: '${p.kind}', annotationSelector: { matchExpressions: [{ key: ANNOTATION, operator: 'Exists' }] } }],
  attachments: [{ apiVersion: 'v1', kind: 'ConfigMap', updateStrategy: 'InPlace' }],
  objectSchema: ${Target},
  hookVersion: 'v2',
  sync,
})
`,
    ],
    [
      `examples/${p.name}.yaml`,
      `apiVersion: ${p.apiVersion}
kind: ${p.kind}
metadata:
  name: example
  namespace: default
  annotations:
    ${p.annotation}: hello from ${p.name}
`,
    ],
    [
      `test/${p.name}.test.ts`,
      `import { describe, expect, it } from 'vitest'
import type { KObject } from 'metahooks'
import { loadOne, render } from 'metahooks/testing'
import ${camel(p.name)} from '../hooks/${p.name}/index.ts'

const example = loadOne('examples/${p.name}.yaml')
const annotated = (annotations: Record<string, string>): KObject => ({ ...example, metadata: { ...example.metadata, annotations } })

describe('${p.name}', () => {
  it.each([
    { name: 'a note', reason: 'the annotation becomes the ConfigMap', note: 'hello' },
    { name: 'an empty note', reason: 'empty is still a note', note: '' },
  ])('$name: $reason', async ({ note }) => {
    const { response } = await render(${camel(p.name)}, { parent: annotated({ '${p.annotation}': note }) })
    expect(response.attachments).toEqual([expect.objectContaining({ kind: 'ConfigMap', data: { note } })])
    expect(response.labels).toEqual({ '${p.name}': 'example' })
  })

  it('refuses a note it cannot read with a 422, never 200 without the attachment', async () => {
    await expect(render(${camel(p.name)}, { parent: annotated({ '${p.annotation}': 'x'.repeat(1001) }) })).rejects.toThrow(/422/)
  })
})
`,
    ],
  ])
}
