import { loadAll } from 'js-yaml'
import { parseAllDocuments } from 'yaml'

/**
 * The documents of a YAML text, read as kubectl reads them. `yaml` (strict YAML 1.2) reads them
 * first, for its exact error positions; what it refuses but kubectl's parser (go-yaml, like
 * libyaml) accepts — a multi-line quoted scalar whose continuation lines are not indented past its
 * key, common in hand-written Argo workflows — is read by js-yaml, which is lenient the same way
 * (test/cluster/yaml.test.ts compares both with the pinned kubectl). Only a text both refuse is an
 * error, reported with `yaml`'s message and position.
 */
export type YamlResult =
  | { ok: true; documents: unknown[] }
  | { ok: false; line?: number; column?: number; message: string; document: number }

export function readYamlDocuments(text: string): YamlResult {
  const docs = parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : []
  const failed = list.findIndex((d) => d.errors.length > 0)
  if (failed < 0) return { ok: true, documents: list.map((d) => d.toJS() as unknown) }
  try {
    return { ok: true, documents: loadAll(text, undefined, { json: true }) }
  } catch {
    const error = list[failed]!.errors[0]!
    const pos = error.linePos?.[0]
    return {
      ok: false,
      ...(pos && { line: pos.line, column: pos.col }),
      message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      document: failed + 1,
    }
  }
}
