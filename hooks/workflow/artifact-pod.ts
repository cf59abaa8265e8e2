import type { Container, EnvVar, Volume, VolumeMount } from 'kubernetes-types/core/v1'
import { fnv32a } from 'metahooks'
import type { Location } from './artifact-schema.ts'
import {
  DEFAULT_EXECUTOR_IMAGE,
  escape,
  EXECUTOR_DIR,
  EXECUTOR_VOLUME,
  SCRIPT_HELPERS,
} from './executor.ts'

/**
 * Artifacts in a Pod, moved by the executor and never by the hook. Input artifacts are fetched by an
 * init container before `main` starts and mounted at their paths (a subPath of the executor's
 * volume, as Argo mounts them); output artifacts are packed by `main`'s wrapper when its command
 * exits and stored by a native sidecar, which `main` waits for, so the Pod ends only once they are
 * saved (Argo's wait container does the same). Both run the transfer script with the executor's
 * busybox; S3 and HTTP go through rclone (its official image: a static binary, Apache-friendly MIT),
 * a volume repository and raw data need nothing but busybox. Credentials reach only these two
 * containers, from Secrets, never `main`.
 *
 * The script takes records of seven words: `kind name index a b c flags`, where kind is
 *   s3    a = endpoint URL ("" for AWS), b = bucket/key, c = region, flags: env-auth, create-bucket
 *   http  a = URL (headers in METAHOOKS_ARTIFACT_<i>_HEADERS, one per line)
 *   raw   data in METAHOOKS_ARTIFACT_<i>_DATA
 *   vol   a = the claim's mount, b = key
 * and flags may add mode=<octal> (inputs). `get` fetches each into <dir>/in/<name>, a tarball
 * unpacked (a single entry becomes the path itself, as Argo unpacks); `put` waits for <dir>/out/.ready,
 * stores each packed <dir>/out/<name>, writes <name>.status (`saved`, or `failed` with <name>.error)
 * and <dir>/out/.done, then idles until stopped.
 */

export const ARTIFACT_IMAGE = 'rclone/rclone:1.76.0'
/** git for git inputs: the Kubernetes project's git-sync image, which ships git (found in PATH). */
export const GIT_IMAGE = 'registry.k8s.io/git-sync/git-sync:v4.4.0'
export const RCLONE = '/usr/local/bin/rclone'
const PROGRAM = 'metahooks-artifacts'
const SCRIPT = `d=$1; b=$d/busybox; R=$2; op=$3; shift 3
NL='
'
log=\${METAHOOKS_TERMINATION_LOG:-/dev/termination-log}
${SCRIPT_HELPERS}die() { echo "${PROGRAM}: $*" >&2; printf %s "$*" >"$log" 2>/dev/null; exit 1; }
why() { { "$b" grep -m 1 -E '^(fatal|error):' "$1" || "$b" tail -n 1 "$1"; } | "$b" tr -cd '\\040-\\176' | "$b" head -c 300; }
s3() {
  eval "RCLONE_S3_ACCESS_KEY_ID=\\\${METAHOOKS_ARTIFACT_$1_ACCESS_KEY-} RCLONE_S3_SECRET_ACCESS_KEY=\\\${METAHOOKS_ARTIFACT_$1_SECRET_KEY-} RCLONE_S3_SESSION_TOKEN=\\\${METAHOOKS_ARTIFACT_$1_SESSION_TOKEN-}"
  export RCLONE_S3_ACCESS_KEY_ID RCLONE_S3_SECRET_ACCESS_KEY RCLONE_S3_SESSION_TOKEN
  p=Other; [ -z "$2" ] && p=AWS
  env=false nc=--s3-no-check-bucket
  case ,$5, in *,env-auth,*) env=true ;; esac
  case ,$5, in *,create-bucket,*) nc= ;; esac
  from=$6 to=$7; [ "$from" = :s3: ] && from=":s3:$3"; [ "$to" = :s3: ] && to=":s3:$3"
  "$R" copyto --config=/dev/null -q --retries 3 --low-level-retries 5 --s3-provider "$p" --s3-env-auth="$env" $nc \\
    \${2:+--s3-endpoint "$2"} \${4:+--s3-region "$4"} "$from" "$to"
}
http() {
  eval "hs=\\\${METAHOOKS_ARTIFACT_$1_HEADERS-}"
  u=$2 o=$3; set --
  while [ -n "$hs" ]; do l=\${hs%%"$NL"*}; set -- "$@" --header "$l"; if [ "$l" = "$hs" ]; then hs=; else hs=\${hs#*"$NL"}; fi; done
  "$R" copyurl --config=/dev/null -q --retries 3 "$@" "$u" "$o"
}
gitget() {
  eval "u=\\\${METAHOOKS_ARTIFACT_$1_USERNAME-} pw=\\\${METAHOOKS_ARTIFACT_$1_PASSWORD-} br=\\\${METAHOOKS_ARTIFACT_$1_BRANCH-} fe=\\\${METAHOOKS_ARTIFACT_$1_FETCH-}"
  inpath git || { echo "git is not in the image's PATH" >&2; return 127; }; G=$p
  r=$2 rev=$3 dep=$4 f=$5 o=$6; set --
  [ -n "$dep" ] && set -- "$@" --depth "$dep"
  [ -n "$br" ] && set -- "$@" --branch "$br"
  case ,$f, in *,single-branch,*) set -- "$@" --single-branch ;; esac
  case ,$f, in *,no-submodules,*) ;; *) set -- "$@" --recurse-submodules ;; esac
  c=; case ,$f, in *,insecure-tls,*) c='-c http.sslVerify=false' ;; esac
  if [ -n "$u$pw" ]; then
    printf '#!%s sh\\ncase "$1" in Username*) printf %%s "$METAHOOKS_GIT_USERNAME" ;; *) printf %%s "$METAHOOKS_GIT_PASSWORD" ;; esac\\n' "$b" >"$d/in/.askpass"
    "$b" chmod 0700 "$d/in/.askpass"; export GIT_ASKPASS="$d/in/.askpass" METAHOOKS_GIT_USERNAME="$u" METAHOOKS_GIT_PASSWORD="$pw"
  fi
  export GIT_TERMINAL_PROMPT=0
  "$G" $c clone --quiet "$@" -- "$r" "$o" || return 1
  if [ -n "$fe" ]; then (cd "$o" && "$G" $c fetch --quiet origin $fe) || return 1; fi
  [ -z "$rev" ] && return 0
  cd "$o" || return 1
  "$G" -c advice.detachedHead=false checkout --quiet "$rev" 2>/dev/null || { "$G" $c fetch --quiet \${dep:+--depth "$dep"} origin "$rev" && "$G" -c advice.detachedHead=false checkout --quiet FETCH_HEAD; }
  s=$?; cd / && return $s
}
unpack() {
  t=$2.tmpdir; "$b" rm -rf "$t" "$2"
  if "$b" gzip -t "$1" 2>/dev/null && "$b" gzip -dc "$1" | "$b" tar -tf - >/dev/null 2>&1; then
    "$b" mkdir -p "$t" && "$b" gzip -dc "$1" | "$b" tar -xof - -C "$t" || return 1
    "$b" rm -f "$1"
    if [ "$("$b" ls -A "$t" | "$b" wc -l)" = 1 ]; then "$b" mv "$t/$("$b" ls -A "$t")" "$2" && "$b" rmdir "$t"; else "$b" mv "$t" "$2"; fi
  else "$b" mv "$1" "$2"; fi
}
if [ "$op" = get ]; then
  "$b" mkdir -p "$d/in" || die "cannot create $d/in"
  while [ $# -ge 7 ]; do
    k=$1 n=$2 i=$3 a=$4 x=$5 c=$6 f=$7; shift 7
    o=$d/in/.$n e=$d/in/.$n.err
    case $k in
      s3) s3 "$i" "$a" "$x" "$c" "$f" :s3: "$o" ;;
      http) http "$i" "$a" "$o" ;;
      git) gitget "$i" "$a" "$x" "$c" "$f" "$o" ;;
      raw) eval "printf %s \\"\\\${METAHOOKS_ARTIFACT_\${i}_DATA-}\\"" >"$o" ;;
      vol) "$b" cp "$a/$x" "$o" ;;
      *) echo "unknown kind $k" >&2; false ;;
    esac 2>"$e" || die "input artifact $n could not be fetched: $(why "$e")"
    # rclone copies a source that does not exist as an empty folder, without an error.
    [ -e "$o" ] || die "input artifact $n could not be fetched: $x is not there"
    unpack "$o" "$d/in/$n" 2>"$e" || die "input artifact $n could not be unpacked: $(why "$e")"
    case ,$f, in *,mode=*) m=\${f#*mode=}; "$b" chmod "\${m%%,*}" "$d/in/$n" ;; esac
    "$b" rm -f "$e"
  done
  exit 0
fi
sp=
trap '[ -n "$sp" ] && "$b" kill "$sp" 2>/dev/null; exit 0' TERM
if [ ! -e "$d/out/.done" ]; then
  until [ -e "$d/out/.ready" ]; do "$b" sleep 0.1 & sp=$!; wait $sp; done
  while [ $# -ge 7 ]; do
    k=$1 n=$2 i=$3 a=$4 x=$5 c=$6 f=$7; shift 7
    s=$d/out/$n e=$d/out/$n.error
    [ -e "$s" ] || continue
    case $k in
      s3) s3 "$i" "$a" "$x" "$c" "$f" "$s" :s3: ;;
      vol) "$b" mkdir -p "$("$b" dirname "$a/$x")" && "$b" cp "$s" "$a/$x.partial" && "$b" mv "$a/$x.partial" "$a/$x" ;;
      *) echo "unknown kind $k" >&2; false ;;
    esac 2>"$e.log"
    if [ $? = 0 ]; then echo saved >"$d/out/$n.status"; else why "$e.log" >"$e"; echo failed >"$d/out/$n.status"; fi
    "$b" rm -f "$e.log"
  done
  : >"$d/out/.done"
fi
while :; do "$b" sleep 3600 & sp=$!; wait $sp; done`

export interface ArtifactTransfer {
  name: string
  location: Location
  /** Inputs: the file mode to set (Argo's `mode`). */
  mode?: number
}

export interface ArtifactContainers {
  /** Init containers fetching inputs: one for rclone's and busybox's sources, one with git for git's. */
  inits: Container[]
  sidecar?: Container
  /** main's mounts of its input artifacts (subPaths of the executor's volume). */
  mounts: VolumeMount[]
  /** The volume repositories' claims. */
  volumes: Volume[]
}

/** The containers that move a Pod's artifacts; `paths` are where main expects its inputs. */
export function artifactContainers(
  inputs: readonly (ArtifactTransfer & { path: string })[],
  outputs: readonly ArtifactTransfer[],
  opts: {
    image?: string
    busyboxImage?: string
    securityContext?: Container['securityContext']
    dir?: string
  } = {},
): ArtifactContainers {
  const dir = opts.dir ?? EXECUTOR_DIR
  const claims = new Map<string, string>()
  const claimMount = (claim: string) => `${dir}/volumes/${claim}`
  for (const t of [...inputs, ...outputs])
    if (t.location.volume)
      claims.set(
        t.location.volume.claimName,
        `metahooks-repo-${fnv32a(t.location.volume.claimName)}`,
      )
  const volumes: Volume[] = [...claims].map(([claimName, name]) => ({
    name,
    persistentVolumeClaim: { claimName },
  }))
  let index = 0
  const container = (
    name: string,
    op: 'get' | 'put',
    list: readonly ArtifactTransfer[],
  ): Container | undefined => {
    if (list.length === 0) return undefined
    const env: EnvVar[] = []
    const records = list.flatMap((t) => record(t, ++index, env, claimMount))
    const needsRclone = list.some((t) => t.location.s3 || t.location.http)
    const image = list.some((t) => t.location.git)
      ? GIT_IMAGE
      : needsRclone
        ? (opts.image ?? ARTIFACT_IMAGE)
        : (opts.busyboxImage ?? DEFAULT_EXECUTOR_IMAGE)
    const used = new Set(
      list.flatMap((t) => (t.location.volume ? [t.location.volume.claimName] : [])),
    )
    return {
      name,
      image,
      command: [
        escape(`${dir}/busybox`),
        'sh',
        '-c',
        escape(SCRIPT),
        PROGRAM,
        escape(dir),
        RCLONE,
        op,
        ...records.map(escape),
      ],
      ...(env.length > 0 && { env }),
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      ...(opts.securityContext && { securityContext: opts.securityContext }),
      volumeMounts: [
        { name: EXECUTOR_VOLUME, mountPath: dir },
        ...[...used].map((c) => ({ name: claims.get(c)!, mountPath: claimMount(c) })),
      ],
    }
  }
  const init = container(
    'metahooks-artifacts-in',
    'get',
    inputs.filter((t) => !t.location.git),
  )
  const git = container(
    'metahooks-artifacts-git',
    'get',
    inputs.filter((t) => t.location.git),
  )
  const put = container('metahooks-artifacts-out', 'put', outputs)
  return {
    inits: [init, git].filter((c) => c !== undefined),
    ...(put && { sidecar: { ...put, restartPolicy: 'Always' } }),
    mounts: inputs.map((t) => ({
      name: EXECUTOR_VOLUME,
      mountPath: t.path,
      subPath: `in/${t.name}`,
    })),
    volumes,
  }
}

/** One transfer as the script's seven words, its secrets and data added to the container's env. */
function record(
  t: ArtifactTransfer,
  i: number,
  env: EnvVar[],
  claimMount: (claim: string) => string,
): string[] {
  const { location: l } = t
  const flags: string[] = t.mode !== undefined ? [`mode=${t.mode.toString(8)}`] : []
  const secret = (suffix: string, ref: { name: string; key: string } | undefined) =>
    ref &&
    env.push({
      name: `METAHOOKS_ARTIFACT_${i}_${suffix}`,
      valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
    })
  const words = (kind: string, a = '', b = '', c = '') => [
    kind,
    t.name,
    String(i),
    a,
    b,
    c,
    flags.join(',') || '-',
  ]
  if (l.s3) {
    secret('ACCESS_KEY', l.s3.accessKeySecret)
    secret('SECRET_KEY', l.s3.secretKeySecret)
    secret('SESSION_TOKEN', l.s3.sessionTokenSecret)
    if (l.s3.useSDKCreds) flags.push('env-auth')
    if (l.s3.createBucketIfNotPresent) flags.push('create-bucket')
    const endpoint =
      l.s3.endpoint === undefined ? '' : `${l.s3.insecure ? 'http' : 'https'}://${l.s3.endpoint}`
    return words('s3', endpoint, `${l.s3.bucket ?? ''}/${l.s3.key}`, l.s3.region ?? '')
  }
  if (l.http) {
    if (l.http.headers?.length)
      env.push({
        name: `METAHOOKS_ARTIFACT_${i}_HEADERS`,
        value: l.http.headers.map((h) => `${h.name}: ${h.value}`).join('\n'),
      })
    return words('http', l.http.url)
  }
  if (l.git) {
    if (l.git.branch) env.push({ name: `METAHOOKS_ARTIFACT_${i}_BRANCH`, value: l.git.branch })
    if (l.git.fetch?.length)
      env.push({ name: `METAHOOKS_ARTIFACT_${i}_FETCH`, value: l.git.fetch.join('\n') })
    secret('USERNAME', l.git.usernameSecret)
    secret('PASSWORD', l.git.passwordSecret)
    if (l.git.singleBranch) flags.push('single-branch')
    if (l.git.disableSubmodules) flags.push('no-submodules')
    if (l.git.insecureSkipTLS) flags.push('insecure-tls')
    return words(
      'git',
      l.git.repo,
      l.git.revision ?? '',
      l.git.depth === undefined ? '' : String(l.git.depth),
    )
  }
  if (l.raw) {
    env.push({ name: `METAHOOKS_ARTIFACT_${i}_DATA`, value: l.raw.data })
    return words('raw')
  }
  return words('vol', claimMount(l.volume!.claimName), l.volume!.key)
}
