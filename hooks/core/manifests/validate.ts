import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { readYamlDocuments } from '../yaml.ts'
import type { ControllerDefinition } from '../define.ts'
import { isObject, ObjectValidator } from './object-validator.ts'

/**
 * Offline validation of the repo's manifests: built-in kinds against the Kubernetes schemas
 * (kubernetes-models), CRDs against the structural-schema rules, Metacontroller's resources
 * against their schema (contract/controllers.ts) plus the rules Metacontroller checks when it
 * starts a controller, kustomizations' resource lists, and every custom resource against the CRD
 * that defines it (unknown fields included: kubectl's strict field validation rejects them).
 */

export interface Problem {
  file: string
  /** 1-based document index within the file. */
  document: number
  message: string
}

export function formatProblem(p: Problem): string {
  return `${p.file} (document ${p.document}): ${p.message}`
}

/** Directories and files that are not manifests: tests' YAML is case data, Helm values are values. */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'test',
  'dist',
  '.wrangler',
  '.scratch',
  '.xdg',
  'helm',
  'coverage',
])

export function findYaml(path: string): string[] {
  if (!existsSync(path)) return [path]
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : findYaml(join(path, e.name))
      return /\.ya?ml$/.test(e.name) ? [join(path, e.name)] : []
    })
}

interface Doc {
  /** As shown in messages (relative to the root). */
  file: string
  /** The directory the file is in, for relative references. */
  dir: string
  index: number
  value: Record<string, unknown>
}

function checkKustomization(doc: Doc): string[] {
  const resources = doc.value.resources
  if (!Array.isArray(resources)) return ['resources: must be a list']
  return resources
    .filter((r) => !existsSync(resolve(doc.dir, String(r))))
    .map((r) => `resources: ${r} does not exist`)
}

/** Validates every YAML document under `paths`; returns the problems (empty: all valid). */
export async function validateManifests(
  paths: readonly string[],
  definitions: readonly ControllerDefinition[],
  root = process.cwd(),
  counted?: { files: number; objects: number },
): Promise<Problem[]> {
  const problems: Problem[] = []
  const docs: Doc[] = []
  for (const file of paths.flatMap((p) => findYaml(p))) {
    if (counted) counted.files++
    const shown = relative(root, file) || file
    if (!existsSync(file)) {
      problems.push({ file: shown, document: 0, message: 'no such file or directory' })
      continue
    }
    const read = readYamlDocuments(readFileSync(file, 'utf8'))
    if (!read.ok) {
      problems.push({
        file: shown,
        document: read.document,
        message: `${read.line !== undefined ? `line ${read.line}, column ${read.column}: ` : ''}${read.message}`,
      })
      continue
    }
    read.documents.forEach((value, i) => {
      if (value === null || value === undefined) return
      if (!isObject(value))
        problems.push({
          file: shown,
          document: i + 1,
          message: 'not a Kubernetes object (expected a mapping)',
        })
      else docs.push({ file: shown, dir: dirname(resolve(file)), index: i + 1, value })
    })
  }

  // Schemas for custom resources: the CRDs among the files, and the ones our definitions generate.
  const validator = new ObjectValidator(definitions)
  for (const doc of docs)
    if (
      doc.value.kind === 'CustomResourceDefinition' &&
      (await validator.check(doc.value)).problems.length === 0
    )
      validator.addCrd(doc.value)

  if (counted) counted.objects = docs.length
  for (const doc of docs) {
    const report = (messages: string[]) =>
      messages.forEach((message) => problems.push({ file: doc.file, document: doc.index, message }))
    if (doc.value.kind === 'Kustomization') report(checkKustomization(doc))
    else report((await validator.check(doc.value)).problems)
  }
  return problems
}
