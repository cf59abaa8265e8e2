import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import * as z from 'zod'
import { KObject, HookVersion } from '../contract/objects.ts'
import type { ControllerDefinition, HookName } from '../define.ts'
import { formatIssues } from '../issues.ts'
import { runHook } from '../run.ts'
import { controllerManifest } from '../manifests/controller.ts'
import { InputError } from './files.ts'
import { asStored, ownObserved } from './render.ts'
import { customizeRules, hookFor, requestFor } from './requests.ts'

/**
 * Golden cases: one YAML file per case — a parent and observed objects in, the expected response
 * (or error) out, with the reason the case exists. Expected values match partially: objects may
 * name a subset of fields; the set of children (kind, namespace, name) must match exactly.
 */
export const GoldenCase = z.strictObject({
  reason: z.string().min(1),
  hook: z.enum(['sync', 'finalize', 'customize']).optional(),
  version: HookVersion.optional(),
  /** The request time, for controllers that read the clock (ISO 8601). */
  now: z.iso.datetime().optional(),
  parent: KObject,
  observed: z.array(KObject).optional(),
  expected: z.record(z.string(), z.unknown()).optional(),
  expectedError: z
    .strictObject({ status: z.number().int(), message: z.string().optional() })
    .optional(),
})
export type GoldenCase = z.infer<typeof GoldenCase> & { file: string; name: string }

export function loadGoldenCases(dir: string): GoldenCase[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f)
      const parsed = GoldenCase.safeParse(parse(readFileSync(file, 'utf8')))
      if (!parsed.success)
        throw new InputError(`${file}: ${formatIssues(parsed.error, '', 3).join('; ')}`)
      if (!parsed.data.expected && !parsed.data.expectedError)
        throw new InputError(`${file}: needs expected or expectedError`)
      return { ...parsed.data, file, name: f.replace(/\.ya?ml$/, '') }
    })
}

export type GoldenActual =
  | { ok: true; response: Record<string, unknown> }
  | { ok: false; status: number; message: string }

/** The hook call a case makes, built the way `metahooks render` would: customize, claim, request. */
export async function goldenRequest(
  definition: ControllerDefinition,
  c: GoldenCase,
): Promise<{ hook: HookName; request: unknown }> {
  const parent = asStored(definition, c.parent)
  const hook = c.hook ?? hookFor(definition, parent)
  if (hook === 'customize')
    return { hook, request: { controller: controllerManifest(definition), parent } }
  const rules = await customizeRules(definition, parent)
  const objects = ownObserved(definition, parent, c.observed ?? [])
  return {
    hook,
    request: requestFor(definition, {
      parent,
      objects,
      rules,
      ...(c.version && { version: c.version }),
      finalizing: hook === 'finalize',
    }),
  }
}

/** Runs a case: its hook call through runHook. */
export async function runGoldenCase(
  definition: ControllerDefinition,
  c: GoldenCase,
): Promise<GoldenActual> {
  const { hook, request } = await goldenRequest(definition, c)
  const outcome = await runHook(definition, hook, request, c.now ? { now: new Date(c.now) } : {})
  return outcome.ok
    ? { ok: true, response: outcome.response }
    : { ok: false, status: outcome.status, message: outcome.message }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function partialMismatch(expected: unknown, actual: unknown, path: string, out: string[]): void {
  if (isObject(expected)) {
    if (!isObject(actual))
      return void out.push(`${path}: expected an object, got ${JSON.stringify(actual)}`)
    for (const [k, v] of Object.entries(expected))
      partialMismatch(v, actual[k], `${path}.${k}`, out)
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return void out.push(
        `${path}: expected ${expected.length} item(s), got ${Array.isArray(actual) ? actual.length : JSON.stringify(actual)}`,
      )
    }
    expected.forEach((v, i) => partialMismatch(v, actual[i], `${path}[${i}]`, out))
  } else if (expected !== actual) {
    out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

const identity = (o: unknown) => {
  const x = o as { kind?: string; metadata?: { name?: string; namespace?: string } }
  return `${x.kind} ${x.metadata?.namespace ?? ''}/${x.metadata?.name}`
}

/** Every way `actual` differs from what the case expects; empty when it passes. */
export function compareGolden(c: GoldenCase, actual: GoldenActual): string[] {
  const out: string[] = []
  if (c.expectedError) {
    if (actual.ok) return [`expected error ${c.expectedError.status}, got 200`]
    if (actual.status !== c.expectedError.status)
      out.push(`expected status ${c.expectedError.status}, got ${actual.status}: ${actual.message}`)
    if (c.expectedError.message && !actual.message.includes(c.expectedError.message))
      out.push(
        `expected message containing ${JSON.stringify(c.expectedError.message)}, got ${JSON.stringify(actual.message)}`,
      )
    return out
  }
  if (!actual.ok) return [`expected 200, got ${actual.status}: ${actual.message}`]
  const expected = c.expected!
  for (const listKey of ['children', 'attachments']) {
    const want = expected[listKey]
    if (!Array.isArray(want)) continue
    const got = (actual.response[listKey] as unknown[] | undefined) ?? []
    const missing = want.map(identity).filter((id) => !got.map(identity).includes(id))
    const extra = got.map(identity).filter((id) => !want.map(identity).includes(id))
    if (missing.length) out.push(`${listKey}: missing ${missing.join(', ')}`)
    if (extra.length) out.push(`${listKey}: unexpected ${extra.join(', ')}`)
    for (const w of want) {
      const match = got.find((g) => identity(g) === identity(w))
      if (match) partialMismatch(w, match, `${listKey}[${identity(w)}]`, out)
    }
  }
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'children' || key === 'attachments') continue
    partialMismatch(value, actual.response[key], key, out)
  }
  return out
}

/** Rewrites the case's expectation from what the controller does now (for review in the diff). */
export function updateGoldenCase(c: GoldenCase, actual: GoldenActual): void {
  const { file: _f, name: _n, expected: _e, expectedError: _x, ...rest } = c
  const next = actual.ok
    ? { ...rest, expected: actual.response }
    : { ...rest, expectedError: { status: actual.status, message: actual.message } }
  writeFileSync(c.file, stringify(next, { lineWidth: 0, aliasDuplicateObjects: false }))
}
