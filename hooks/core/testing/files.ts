import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { KObject } from '../contract/objects.ts'
import { formatIssues } from '../issues.ts'
import { readYamlDocuments } from '../yaml.ts'

/** A problem with an input file; the message starts with the file (and line) it concerns. */
export class InputError extends Error {
  override name = 'InputError'
}

function yamlFiles(path: string): string[] {
  let stat
  try {
    stat = statSync(path)
  } catch {
    throw new InputError(`${path}: no such file or directory`)
  }
  if (!stat.isDirectory()) return [path]
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) =>
      e.isDirectory()
        ? yamlFiles(join(path, e.name))
        : /\.(ya?ml|json)$/.test(e.name)
          ? [join(path, e.name)]
          : [],
    )
}

/**
 * An object created with `metadata.generateName` gets a name as the API server would give it —
 * here always the suffix `00000`, so renders and simulations stay reproducible.
 */
function withGeneratedName(item: unknown): unknown {
  const meta = (item as { metadata?: { name?: unknown; generateName?: unknown } } | null)?.metadata
  if (!meta || meta.name !== undefined || typeof meta.generateName !== 'string') return item
  return { ...(item as object), metadata: { ...meta, name: `${meta.generateName}00000` } }
}

/** Every Kubernetes object in a YAML/JSON file (multi-document, `kind: List` expanded) or directory. */
export function loadObjects(path: string): KObject[] {
  return yamlFiles(path).flatMap((file) => parseObjects(readFileSync(file, 'utf8'), file))
}

/** Every Kubernetes object in a YAML/JSON text; `source` names it in errors (a file, "the dropped file"). */
export function parseObjects(text: string, source: string): KObject[] {
  const out: KObject[] = []
  const read = readYamlDocuments(text)
  if (!read.ok)
    throw new InputError(
      `${source}${read.line !== undefined ? `:${read.line}:${read.column}` : ''}: ${read.message}`,
    )
  const docs = read.documents
  docs.forEach((value, i) => {
    if (value === null || value === undefined) return
    const where = `${source}${docs.length > 1 ? ` (document ${i + 1})` : ''}`
    const items =
      (value as { kind?: unknown }).kind === 'List' &&
      Array.isArray((value as { items?: unknown }).items)
        ? (value as { items: unknown[] }).items
        : [value]
    for (const item of items) {
      const parsed = KObject.safeParse(withGeneratedName(item))
      if (!parsed.success)
        throw new InputError(
          `${where}: not a Kubernetes object: ${formatIssues(parsed.error, '', 3).join('; ')}`,
        )
      out.push(parsed.data)
    }
  })
  return out
}

/** Exactly one object from a file. */
export function loadOne(path: string): KObject {
  const objects = loadObjects(path)
  if (objects.length !== 1)
    throw new InputError(`${path}: expected exactly one object, found ${objects.length}`)
  return objects[0]!
}
