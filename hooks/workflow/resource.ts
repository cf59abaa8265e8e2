import type { Container } from 'kubernetes-types/core/v1'
import { parse } from 'yaml'
import { escape, EXECUTOR_DIR, SCRIPT_HELPERS, type ExecutorPlan } from './executor.ts'
import type { Template } from './schema.ts'

/**
 * Argo's resource templates: kubectl in a Pod, under the workflow's service account. The Pod runs
 * the official kubectl image (registry.k8s.io/kubectl, the release the cluster tier builds) through
 * the executor: a busybox script writes the manifest, runs `kubectl <action>`, then polls the
 * object until its failureCondition or successCondition holds, and writes the outputs its
 * `jsonPath`s read, which the executor's wrapper reports like any output file.
 *
 * Conditions are Argo's: label-selector requirements over the object's fields, comma-separated —
 * `status.succeeded > 0`, `status.phase == Running`, `status.phase in (Failed,Error)`,
 * `metadata.name` (exists), `!status.failed`. Each becomes a kubectl jsonpath, an operator and
 * a value for the script.
 */

export const KUBECTL_IMAGE = 'registry.k8s.io/kubectl:v1.35.4'
const PROGRAM = 'metahooks-resource'
/** How often the object is read while a condition is awaited (Argo polls too). */
const POLL_SECONDS = 5
export const resourceOutput = (dir: string, name: string) => `${dir}/resource/${name}`

export interface Requirement {
  /** A kubectl jsonpath (`{.status.succeeded}`). */
  path: string
  op: '==' | '!=' | '>' | '<' | 'in' | 'notin' | 'exists' | '!'
  /** The values compared with (in/notin: several). */
  values: string[]
}

const SEGMENT = /^(?:[A-Za-z0-9_-]|\\\.|\/)+$/

/** gjson's dotted path (`status.conditions.0.type`, `metadata.labels.app\.kubernetes\.io/name`) as a kubectl jsonpath. */
function jsonPath(path: string): string | undefined {
  const parts = path.split(/(?<!\\)\./)
  if (parts.some((p) => !SEGMENT.test(p))) return undefined
  return `{${parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')}}`
}

/** A condition as requirements, or why it cannot be read. */
export function parseCondition(text: string): Requirement[] | string {
  const parts = text
    .split(/,(?![^(]*\))/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (parts.length === 0) return 'is empty'
  const out: Requirement[] = []
  for (const part of parts) {
    const m =
      /^(!?)([^\s=!<>()]+)\s*(?:(==|=|!=|>|<)\s*([^\s,()]+)|\s+(in|notin)\s*\(([^()]*)\))?$/.exec(
        part,
      )
    if (!m)
      return `cannot read "${part}": a requirement is "path op value" with op one of ==, =, !=, >, <, in (a,b), notin (a,b), or "path" / "!path"`
    const [, not, key, op, value, setOp, set] = m as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
      string | undefined,
      string | undefined,
    ]
    const path = jsonPath(key)
    if (!path)
      return `cannot read the path "${key}": dotted field names and indexes only (no gjson queries or wildcards)`
    if (not && (op || setOp)) return `cannot read "${part}": "!" goes with a path alone`
    if ((op === '>' || op === '<') && !/^-?\d+$/.test(value ?? ''))
      return `"${part}": ${op} compares whole numbers`
    if (setOp)
      out.push({
        path,
        op: setOp as 'in' | 'notin',
        values: set!
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      })
    else if (op)
      out.push({ path, op: op === '=' ? '==' : (op as Requirement['op']), values: [value!] })
    else out.push({ path, op: not ? '!' : 'exists', values: [] })
  }
  return out
}

/**
 * Run as `busybox sh -c SCRIPT metahooks-resource <dir> <action> <mergeStrategy>
 * [-s|-f <jsonpath> <op> <values>]… [-o <name> <jsonpath>]… -- <flags…>`, the manifest in
 * METAHOOKS_MANIFEST. kubectl is found in PATH (the image decides where it lives). Why it failed
 * goes to `<dir>/message`, which the wrapper reports.
 */
const SCRIPT = `d=$1; b=$d/busybox; a=$2; m=$3; shift 3
NL='
'
S=; F=; O=
while [ "$1" != -- ]; do
  case $1 in
    -s) S="$S$2 $3 $4$NL"; shift 4 ;;
    -f) F="$F$2 $3 $4$NL"; shift 4 ;;
    -o) O="$O$2 $3$NL"; shift 3 ;;
    *) echo "${PROGRAM}: bad option $1" >&2; exit 2 ;;
  esac
done
shift
${SCRIPT_HELPERS}inpath kubectl || { say "kubectl is not in the image's PATH"; exit 127; }; k=$p
"$b" mkdir -p "$d/resource"
if [ -n "\${METAHOOKS_MANIFEST_FILE-}" ]; then mf=$METAHOOKS_MANIFEST_FILE; else mf=$d/manifest.yaml; printf %s "$METAHOOKS_MANIFEST" >"$mf"; fi
e=$d/kubectl.err
case $a in
  delete) "$k" delete -f "$mf" --ignore-not-found "$@" </dev/null 2>"$e"; c=$?; [ $c = 0 ] || say "kubectl delete: $("$b" tail -n 1 "$e")"; exit $c ;;
  get) ref=$("$k" get -f "$mf" -o name "$@" </dev/null 2>"$e") ;;
  patch) if [ "$m" = json ]; then ref=$("$k" patch "$@" --type json -p "$("$b" cat "$mf")" -o name </dev/null 2>"$e")
    else ref=$("$k" patch -f "$mf" --type "$m" -p "$("$b" cat "$mf")" -o name "$@" </dev/null 2>"$e"); fi ;;
  *) ref=$("$k" "$a" -f "$mf" -o name "$@" </dev/null 2>"$e") ;;
esac || { c=$?; say "kubectl $a: $("$b" tail -n 1 "$e")"; exit $c; }
ref=\${ref%%"$NL"*}
holds() {
  r=$1
  while [ -n "$r" ]; do
    l=\${r%%"$NL"*}; r=\${r#*"$NL"}
    p=\${l%% *}; l=\${l#* }; o=\${l%% *}; v=\${l#* }
    x=$("$k" get "$ref" -o "jsonpath=$p" </dev/null 2>"$e") || { say "kubectl get $ref: $("$b" tail -n 1 "$e")"; exit 1; }
    case $o in
      ==) [ "$x" = "$v" ] ;;
      !=) [ "$x" != "$v" ] ;;
      '>') case $x in ''|*[!0-9-]*) false ;; *) [ "$x" -gt "$v" ] ;; esac ;;
      '<') case $x in ''|*[!0-9-]*) false ;; *) [ "$x" -lt "$v" ] ;; esac ;;
      in) case ",$v," in *",$x,"*) true ;; *) false ;; esac ;;
      notin) case ",$v," in *",$x,"*) false ;; *) true ;; esac ;;
      exists) [ -n "$x" ] ;;
      !) [ -z "$x" ] ;;
    esac || return 1
  done
  return 0
}
if [ -n "$S$F" ]; then
  while :; do
    if [ -n "$F" ] && holds "$F"; then say "$ref: the failure condition holds"; exit 1; fi
    if [ -z "$S" ] || holds "$S"; then break; fi
    "$b" sleep ${POLL_SECONDS}
  done
fi
r=$O
while [ -n "$r" ]; do
  l=\${r%%"$NL"*}; r=\${r#*"$NL"}; n=\${l%% *}; p=\${l#* }
  "$k" get "$ref" -o "jsonpath=$p" </dev/null >"$d/resource/$n" 2>"$e" || { say "kubectl get $ref -o jsonpath=$p: $("$b" tail -n 1 "$e")"; exit 1; }
done
exit 0`

export interface ResourceRun {
  /** The main container: the kubectl image, the manifest in its environment. */
  main: Container
  /** The command the executor wraps. */
  argv: string[]
  plan: ExecutorPlan
}

/**
 * The Pod's main container for a resource template (its fields already substituted); `owner` is
 * the Workflow a `setOwnerReference` manifest gets as owner. A string is why it cannot run.
 */
export function resourceContainer(
  template: Template,
  owner: { apiVersion: string; kind: string; name: string; uid?: string },
  dir: string = EXECUTOR_DIR,
): ResourceRun | string {
  const r = template.resource!
  let manifest = r.manifest ?? ''
  if (r.manifestFrom && r.setOwnerReference)
    return 'setOwnerReference needs the manifest written in place (a manifest from an artifact is not read by the hook)'
  if (r.setOwnerReference) {
    if (!owner.uid) return "setOwnerReference needs the workflow's uid"
    let object: unknown
    try {
      object = parse(manifest)
    } catch (error) {
      return `the manifest is not YAML: ${(error as Error).message.split('\n')[0]}`
    }
    if (!object || typeof object !== 'object' || Array.isArray(object))
      return 'the manifest is not one object'
    const meta = ((object as { metadata?: Record<string, unknown> }).metadata ??= {})
    // Not a controller reference: Metacontroller would take a Pod or ConfigMap with one as the workflow's child, and delete it.
    meta.ownerReferences = [
      ...((meta.ownerReferences as unknown[] | undefined) ?? []),
      { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid },
    ]
    manifest = JSON.stringify(object)
  }
  const words: string[] = []
  for (const [flag, text] of [
    ['-s', r.successCondition],
    ['-f', r.failureCondition],
  ] as const) {
    if (text === undefined || text.trim() === '') continue
    const requirements = parseCondition(text)
    if (typeof requirements === 'string')
      return `${flag === '-s' ? 'successCondition' : 'failureCondition'} ${requirements}`
    for (const q of requirements) words.push(flag, q.path, q.op, q.values.join(',') || '-')
  }
  const outputs = (template.outputs?.parameters ?? []).flatMap((p) =>
    p.valueFrom?.jsonPath !== undefined ? [{ name: p.name, jsonPath: p.valueFrom.jsonPath }] : [],
  )
  for (const o of outputs) words.push('-o', o.name, o.jsonPath)
  const argv = [
    `${dir}/busybox`,
    'sh',
    '-c',
    SCRIPT,
    PROGRAM,
    dir,
    r.action,
    r.mergeStrategy ?? 'strategic',
    ...words,
    '--',
    ...(r.flags ?? []),
  ].map(escape)
  return {
    // A manifest from an input artifact is the file the executor fetched it into.
    main: {
      name: 'main',
      image: KUBECTL_IMAGE,
      env: [
        r.manifestFrom
          ? {
              name: 'METAHOOKS_MANIFEST_FILE',
              value: escape(`${dir}/in/${r.manifestFrom.artifact.name}`),
            }
          : { name: 'METAHOOKS_MANIFEST', value: escape(manifest) },
      ],
    },
    argv,
    plan: {
      result: false,
      outputs: outputs.map((o) => ({ name: o.name, path: resourceOutput(dir, o.name) })),
    },
  }
}
