import { parse } from 'yaml'
import type { KObject } from 'metahooks'
import { ArtifactRepository, type Artifact, type Location } from './artifact-schema.ts'
import type { Scope } from './nodes.ts'
import type { Template, WorkflowSpec } from './schema.ts'
import type { Run } from './state.ts'
import { substitute, UnresolvedError } from './substitute.ts'
import { lookup } from './variables.ts'

/**
 * Artifact locations: where an input's bytes come from (an argument, `from` an earlier step, its
 * own `s3`/`http`/`raw`) and where an output's go (its own `s3`, else the workflow's repository
 * under `keyFormat`). Locations travel between nodes as JSON in the scope
 * (`steps.X.outputs.artifacts.Y`), so `from` is an ordinary substitution.
 */

export const ARTIFACT_REPOSITORIES = 'artifact-repositories'
export const DEFAULT_REPOSITORY_ANNOTATION = 'workflows.argoproj.io/default-artifact-repository'
const DEFAULT_KEY_FORMAT = '{{workflow.name}}/{{pod.name}}'
/** Where argument artifacts travel in a call's arguments (parameter names cannot hold a "/"). */
export const ARGUMENT_PREFIX = 'artifacts/'

/** The repository output artifacts go to, or why there is none (the ConfigMap and key Argo reads). */
export type RepositoryChoice = { repository: ArtifactRepository } | { problem: string }

export function artifactRepository(
  spec: WorkflowSpec,
  configMaps: readonly KObject[],
): RepositoryChoice {
  const ref = spec.artifactRepositoryRef
  const name = ref?.configMap ?? ARTIFACT_REPOSITORIES
  const map = configMaps.find((c) => c.metadata.name === name) as
    | (KObject & { data?: Record<string, string> })
    | undefined
  if (!map)
    return {
      problem: `the ConfigMap ${name} (${ref ? 'artifactRepositoryRef' : "the namespace's default artifact repository"}) is not there`,
    }
  const data = map.data ?? {}
  const keys = Object.keys(data)
  const key =
    ref?.key ??
    map.metadata.annotations?.[DEFAULT_REPOSITORY_ANNOTATION] ??
    (keys.length === 1 ? keys[0] : undefined)
  if (key === undefined)
    return {
      problem: `the ConfigMap ${name} holds ${keys.length} repositories; say which with artifactRepositoryRef.key or the annotation ${DEFAULT_REPOSITORY_ANNOTATION}`,
    }
  const text = data[key]
  if (text === undefined) return { problem: `the ConfigMap ${name} has no key ${key}` }
  let value: unknown
  try {
    value = parse(text)
  } catch (error) {
    return {
      problem: `the ConfigMap ${name} key ${key} is not YAML: ${(error as Error).message.split('\n')[0]}`,
    }
  }
  const parsed = ArtifactRepository.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
    return { problem: `the ConfigMap ${name} key ${key}: ${at}${issue.message}` }
  }
  if (!parsed.data.s3 && !parsed.data.volume)
    return { problem: `the ConfigMap ${name} key ${key} names no repository (s3 or volume)` }
  return { repository: parsed.data }
}

/** Whether a spec (or stored templates) mentions artifacts or a repository: only then is the repository ConfigMap related. */
export function usesArtifacts(value: unknown): boolean {
  return value !== undefined && /"(artifacts|artifactRepositoryRef)":/.test(JSON.stringify(value))
}

/** Whether an output artifact of a Pod template names its whole location itself (no repository needed). */
const ownLocation = (a: Artifact) => a.s3?.bucket !== undefined && a.s3.key !== undefined

/** The templates' output artifacts that need the repository (named for the 422 when there is none). */
export function needsRepository(spec: WorkflowSpec): string | undefined {
  for (const t of spec.templates) {
    if (!t.container && !t.script) continue
    const a = t.outputs?.artifacts?.find((x) => !ownLocation(x))
    if (a) return `template ${t.name} output artifact ${a.name}`
  }
  return undefined
}

/** Where a Pod node's output artifact goes: its own s3 fields over the repository's, the key from keyFormat unless given. */
export function outputLocation(
  run: Run,
  scope: Scope,
  artifact: Artifact,
  podName: string,
): Location {
  const vars = lookup(run, { ...scope, 'pod.name': podName })
  const repository = run.input.artifactRepository
  const file = artifact.archive?.none
    ? basename(artifact.path ?? artifact.name)
    : `${artifact.name}.tgz`
  const keyed = (format: string | undefined, prefix?: string) => {
    const dir =
      prefix !== undefined && format === undefined
        ? prefix
        : substitute(format ?? DEFAULT_KEY_FORMAT, vars)
    return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`
  }
  if (ownLocation(artifact) || (artifact.s3 && repository?.s3)) {
    const { keyFormat, keyPrefix, ...base } = repository?.s3 ?? {}
    const s3 = { ...base, ...artifact.s3 }
    return {
      s3: {
        ...s3,
        key:
          artifact.s3?.key !== undefined
            ? substitute(artifact.s3.key, vars)
            : keyed(keyFormat, keyPrefix),
      },
    }
  }
  if (repository?.s3) {
    const { keyFormat, keyPrefix, ...s3 } = repository.s3
    return { s3: { ...s3, key: keyed(keyFormat, keyPrefix) } }
  }
  if (repository?.volume && !artifact.s3)
    return {
      volume: { claimName: repository.volume.claimName, key: keyed(repository.volume.keyFormat) },
    }
  throw new UnresolvedError(`output artifact ${artifact.name} has no artifact repository to go to`)
}

/** An artifact's own source (inputs, arguments, a steps or DAG template's outputs), with the repository's s3 fields under a key-only s3. */
export function artifactSource(
  run: Run,
  artifact: Artifact,
  vars: ReturnType<typeof lookup>,
): Location | undefined {
  const sub = (s: string) => substitute(s, vars)
  if (artifact.s3) {
    const { keyFormat: _f, keyPrefix: _p, ...base } = run.input.artifactRepository?.s3 ?? {}
    const s3 = { ...base, ...artifact.s3 }
    if (s3.key === undefined) throw new UnresolvedError(`artifact ${artifact.name}: s3 needs a key`)
    if (s3.bucket === undefined)
      throw new UnresolvedError(
        `artifact ${artifact.name}: s3 needs a bucket (or an s3 artifact repository)`,
      )
    return { s3: { ...s3, bucket: sub(s3.bucket), key: sub(s3.key) } }
  }
  if (artifact.http)
    return {
      http: {
        ...artifact.http,
        url: sub(artifact.http.url),
        ...(artifact.http.headers && {
          headers: artifact.http.headers.map((h) => ({ name: h.name, value: sub(h.value) })),
        }),
      },
    }
  if (artifact.raw) return { raw: { data: sub(artifact.raw.data) } }
  if (artifact.git)
    return {
      git: {
        ...artifact.git,
        repo: sub(artifact.git.repo),
        ...(artifact.git.revision !== undefined && { revision: sub(artifact.git.revision) }),
      },
    }
  if (artifact.from !== undefined) return fromLocation(artifact.name, sub(artifact.from))
  return undefined
}

/** What `from` resolved to: the JSON location an artifact variable holds. */
function fromLocation(name: string, text: string): Location {
  try {
    const value = JSON.parse(text) as Location
    if (
      value &&
      typeof value === 'object' &&
      (value.s3 || value.http || value.raw || value.volume || value.git)
    )
      return value
  } catch {
    // not an artifact variable: said below
  }
  throw new UnresolvedError(
    `artifact ${name}: from must name an artifact such as {{steps.X.outputs.artifacts.Y}}, not ${JSON.stringify(text.slice(0, 60))}`,
  )
}

/** A call's artifact arguments as its scope values (JSON locations under ARGUMENT_PREFIX). */
export function artifactArguments(
  run: Run,
  artifacts: readonly Artifact[] | undefined,
  scope: Scope,
): Scope {
  const out: Scope = {}
  if (!artifacts?.length) return out
  const vars = lookup(run, scope)
  for (const a of artifacts) {
    let location: Location | undefined
    try {
      location = artifactSource(run, a, vars)
    } catch (error) {
      // An optional output that was not made leaves nothing to pass: the input says if that is fine.
      if (!(error instanceof UnresolvedError) || a.from === undefined) throw error
    }
    if (location) out[`${ARGUMENT_PREFIX}${a.name}`] = JSON.stringify(location)
  }
  return out
}

/**
 * A template's input artifacts as the node starts: the caller's argument, else the input's own
 * source; an input left without one is an error unless optional (then it is simply not there).
 */
export function inputArtifacts(
  run: Run,
  template: Template,
  args: Scope,
  scope: Scope,
): Record<string, Location> {
  const out: Record<string, Location> = {}
  for (const a of template.inputs?.artifacts ?? []) {
    const passed = args[`${ARGUMENT_PREFIX}${a.name}`]
    const location =
      passed !== undefined
        ? (JSON.parse(passed) as Location)
        : artifactSource(run, a, lookup(run, scope))
    if (location) out[a.name] = location
    else if (!a.optional) throw new UnresolvedError(`input artifact ${a.name} was not supplied`)
  }
  return out
}

/** The variables a node's artifacts give (`inputs.artifacts.x`, its path; `<steps|tasks>.X.outputs.artifacts.y`). */
export function artifactVariables(
  prefix: string,
  artifacts: Record<string, Location> | undefined,
  paths: Record<string, string | undefined> = {},
): Scope {
  const out: Scope = {}
  for (const [name, location] of Object.entries(artifacts ?? {})) {
    out[`${prefix}.${name}`] = JSON.stringify(location)
    const path = paths[name]
    if (path !== undefined) out[`${prefix}.${name}.path`] = path
  }
  return out
}

const basename = (path: string) => path.replace(/\/+$/, '').split('/').pop() || 'artifact'
