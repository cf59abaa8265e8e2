import type { Container, Volume } from 'kubernetes-types/core/v1'

/**
 * The executor: what Argo's emissary does inside a Pod (capture stdout as `outputs.result`, read
 * declared output parameter files, stage a script's source), done by a static busybox, so the hook
 * itself never reaches into a Pod. An init container copies `/bin/busybox` from a minimal image into
 * a shared emptyDir; the main container runs `<dir>/busybox sh -c <WRAPPER> …` around its command,
 * and the wrapper hands the outputs back on the container's termination message.
 *
 * The message (v1) is text with byte lengths, parameters first and the result last:
 *
 *     metahooks-executor v1\n
 *     exit <code>\n
 *     param <name> <n>\n<n bytes>\n      (a declared file, one trailing newline trimmed, as Argo does)
 *     missing <name>\n                   (a declared file that is not a readable regular file)
 *     result <n>\n<n bytes>\n            (stdout, one trailing newline trimmed; only when asked for)
 *     end\n
 *
 * The kubelet keeps 4096 bytes of a termination message (the last ones). When the whole message
 * would not fit, an `overflow <would-be size> 4096` line follows `exit`, and the param and result
 * lines carry their sizes without bodies: the engine fails the node with a clear reason rather than
 * reading a cut value.
 */

export const EXECUTOR_DIR = '/var/run/metahooks'
export const DEFAULT_EXECUTOR_IMAGE = 'busybox:1.37.0-musl'

export interface ExecutorPlan {
  /** Capture stdout as outputs.result. */
  result: boolean
  /** Output parameters read from files (valueFrom.path) when the command exits. */
  outputs: { name: string; path: string }[]
  /** A script template's source: staged at `<dir>/script` and run as `<command…> <dir>/script`. */
  script?: string
  /** In a containerSet: this container's name (its end is written for the others), the containers it waits for, and how often its command is run again after a failure. */
  container?: {
    name: string
    dependencies: string[]
    retries?: { limit: number; delaySeconds: number }
  }
  /** Output artifacts packed when the command exits (a gzipped tar, or the file as it is) for the artifacts sidecar to store. */
  artifacts?: PackedArtifact[]
}

export interface PackedArtifact {
  name: string
  path: string
  archive: 'tgz' | 'none'
}

/** What became of an output artifact: stored, not there, or not stored (why). */
export interface ArtifactState {
  state: 'saved' | 'missing' | 'failed'
  message?: string
}

export interface ExecutorResult {
  exitCode?: number
  result?: string
  parameters: Record<string, string>
  /** Declared output files that were not there when the command exited (the engine decides default vs error). */
  missing: string[]
  /** Output artifacts by name. */
  artifacts?: Record<string, ArtifactState>
  /** Why the command failed, as it wrote it to `<dir>/message` (printable ASCII, cut at 1000 bytes). */
  message?: string
  /** Why the outputs did not fit a termination message; parameters and result are then left out. */
  overflow?: string
  /** The message is the executor's but cannot be read (cut, or altered on the way: values must be UTF-8). */
  error?: string
}

export const EXECUTOR_VOLUME = 'metahooks-executor'
const VOLUME = EXECUTOR_VOLUME
export const PROGRAM = 'metahooks-executor'
export const TAG = `${PROGRAM} v1`
export const LIMIT = 4096
/** Bytes of `<dir>/message` (why a command the executor runs failed, in its own words) the message keeps. */
export const MESSAGE_LIMIT = 1000
const NAME = /^[A-Za-z0-9_-]+$/
const SCRIPT_ENV = 'METAHOOKS_SCRIPT'

/**
 * Run as `busybox sh -c WRAPPER metahooks-executor <dir> [-r] [-o <name> <path>]… -- <argv…>`.
 * Only ash builtins and `$b <applet>`: the main image may have no tools at all. The command is looked
 * up in PATH by hand and run by its path, because a busybox built with FEATURE_SH_STANDALONE (as
 * Debian's is) would otherwise run its own `sh`/`ls`/`sleep` instead of the image's. It runs in the
 * background (stdin kept) so SIGTERM from the kubelet can be forwarded to it (the wrapper is PID 1,
 * which ignores signals it has no handler for); with -r its stdout goes through a fifo into tee,
 * so the container log still gets every byte. The wrapper exits with the command's status: 127 when
 * not found, 128+n when killed by signal n.
 */
export const WRAPPER = `d=$1; b=$d/busybox; shift
r=0; n=0; m=0; nw=0; nm=; rt=0; rd=0
while [ "$1" != -- ]; do
  case $1 in
    -r) r=1; shift ;;
    -N) nm=$2; shift 2 ;;
    -R) rt=$2 rd=$3; shift 3 ;;
    -W) nw=$((nw+1)); eval "wd$nw=\\$2"; shift 2 ;;
    -o) n=$((n+1)); eval "k$n=\\$2 p$n=\\$3"; shift 3 ;;
    -a) m=$((m+1)); eval "an$m=\\$2 ap$m=\\$3 ak$m=\\$4"; shift 4 ;;
    *) echo "${PROGRAM}: bad option $1" >&2; exit 2 ;;
  esac
done
shift; c=$1
case $c in
  */*) ;;
  *) c=; set -f; IFS=:
    for x in $PATH; do x=\${x:-.}/$1; if [ -f "$x" ] && [ -x "$x" ]; then c=$x; break; fi; done
    unset IFS; set +f ;;
esac
t=0; g=0; pid=
trap 't=1 g=1; [ -n "$pid" ] && "$b" kill -TERM "$pid" 2>/dev/null' TERM
reap() { while :; do t=0; wait "$1"; s=$?; [ "$t" = 1 ] && "$b" kill -0 "$1" 2>/dev/null || return "$s"; done; }
[ "$r" = 1 ] && "$b" rm -f "$d/stdout"
ms=$d/message; [ -n "$nm" ] && ms=$d/cs/$nm.message
skip=; i=0
while [ "$i" -lt "$nw" ] && [ -z "$skip" ]; do
  i=$((i+1)); eval "x=\\$wd$i"
  until [ -e "$d/cs/$x.done" ] || [ "$g" = 1 ]; do "$b" sleep 0.1; done
  if [ "$g" = 1 ]; then skip="stopped while waiting for $x"
  elif [ "$("$b" cat "$d/cs/$x.done")" != 0 ]; then skip="not run: $x exited $("$b" cat "$d/cs/$x.done")"; fi
done
if [ -n "$skip" ]; then
  echo "${PROGRAM}: $skip" >&2; "$b" mkdir -p "$d/cs"; printf %s "$skip" >"$ms"; code=1
elif [ -z "$c" ]; then
  echo "${PROGRAM}: $1: not found" >&2; code=127
else
  shift; exec 3<&0; at=0
  while :; do
    if [ "$r" = 1 ]; then
      f=$d/stdout.fifo; "$b" rm -f "$f"; "$b" mkfifo "$f"
      "$b" tee "$d/stdout" <"$f" 3<&- & tp=$!
      "$c" "$@" <&3 >"$f" 3<&- & pid=$!
    else
      "$c" "$@" <&3 3<&- & pid=$!
    fi
    [ "$g" = 1 ] && "$b" kill -TERM "$pid" 2>/dev/null
    reap "$pid"; code=$?
    [ "$r" = 1 ] && { reap "$tp"; "$b" rm -f "$f"; }
    { [ "$code" = 0 ] || [ "$at" -ge "$rt" ] || [ "$g" = 1 ]; } && break
    at=$((at+1)); pid=; echo "${PROGRAM}: exit $code; retry $at of $rt" >&2; "$b" sleep "$rd"
  done
  trap '' TERM
fi
trap '' TERM
j=0; w=0
while [ "$j" -lt "$m" ]; do
  j=$((j+1)); eval "an=\\$an$j ap=\\$ap$j ak=\\$ak$j"; o=$d/out/$an
  "$b" mkdir -p "$d/out"; "$b" rm -f "$o" "$o.status" "$o.error"
  if [ ! -e "$ap" ]; then echo missing >"$o.status"
  elif [ "$ak" = none ] && [ ! -f "$ap" ]; then printf 'archive none needs a file; %s is a directory (use tar)' "$ap" >"$o.error"; echo failed >"$o.status"
  elif [ "$ak" = none ] && "$b" cp "$ap" "$o" 2>"$o.error"; then w=1
  elif [ "$ak" != none ] && (set -o pipefail; (cd "$("$b" dirname "$ap")" && "$b" tar -cf - "$("$b" basename "$ap")") | "$b" gzip -c >"$o") 2>"$o.error"; then w=1
  else "$b" rm -f "$o"; echo failed >"$o.status"; fi
done
if [ "$w" = 1 ]; then : >"$d/out/.ready"; until [ -e "$d/out/.done" ]; do "$b" sleep 0.1; done; fi
NL='
'
size() { s=$(($("$b" wc -c <"$1"))); [ "$s" -gt 0 ] && [ "$("$b" tail -c 1 <"$1"; echo .)" = "$NL." ] && s=$((s-1)); }
h="${TAG}\${NL}exit $code$NL"; tot=$((\${#h} + 4)); i=0
while [ "$i" -lt "$n" ]; do
  i=$((i+1)); eval "k=\\$k$i p=\\$p$i"
  if [ -f "$p" ] && [ -r "$p" ]; then size "$p"; tot=$((tot + \${#k} + \${#s} + s + 9)); else s=-; tot=$((tot + \${#k} + 9)); fi
  eval "s$i=\\$s"
done
j=0
while [ "$j" -lt "$m" ]; do
  j=$((j+1)); eval "an=\\$an$j"; o=$d/out/$an; st=$("$b" cat "$o.status" 2>/dev/null)
  case $st in saved|missing) tot=$((tot + \${#an} + \${#st} + 11)) ;;
    *) st=failed; "$b" tr -cd '\\040-\\176' <"$o.error" 2>/dev/null | "$b" head -c 300 >"$o.why"; es=$(($("$b" wc -c <"$o.why"))); tot=$((tot + \${#an} + \${#es} + es + 19)) ;;
  esac
  eval "as$j=\\$st"
done
mg=
if [ -f "$ms" ]; then "$b" tr -cd '\\011\\040-\\176' <"$ms" | "$b" head -c ${MESSAGE_LIMIT} >"$ms.txt"; mg=$(($("$b" wc -c <"$ms.txt"))); tot=$((tot + \${#mg} + mg + 10)); fi
if [ "$r" = 1 ]; then s=0; [ -f "$d/stdout" ] && size "$d/stdout"; rs=$s; tot=$((tot + \${#rs} + rs + 9)); fi
o=0; [ "$tot" -gt ${LIMIT} ] && o=1
{
  printf %s "$h"; [ "$o" = 1 ] && printf 'overflow %s ${LIMIT}\\n' "$tot"; i=0
  while [ "$i" -lt "$n" ]; do
    i=$((i+1)); eval "k=\\$k$i p=\\$p$i s=\\$s$i"
    if [ "$s" = - ]; then printf 'missing %s\\n' "$k"
    else printf 'param %s %s\\n' "$k" "$s"; [ "$o" = 1 ] || { "$b" head -c "$s" <"$p"; echo; }; fi
  done
  j=0
  while [ "$j" -lt "$m" ]; do
    j=$((j+1)); eval "an=\\$an$j st=\\$as$j"; o=$d/out/$an
    if [ "$st" = failed ]; then printf 'artifact %s failed %s\\n' "$an" "$(($("$b" wc -c <"$o.why")))"; "$b" cat "$o.why"; echo
    else printf 'artifact %s %s\\n' "$an" "$st"; fi
  done
  [ -n "$mg" ] && { printf 'message %s\\n' "$mg"; "$b" cat "$ms.txt"; echo; }
  if [ "$r" = 1 ]; then
    printf 'result %s\\n' "$rs"; [ "$o" = 1 ] || { [ "$rs" = 0 ] || "$b" head -c "$rs" <"$d/stdout"; echo; }
  fi
  printf 'end\\n'
} >"\${METAHOOKS_TERMINATION_LOG:-/dev/termination-log}"
[ -n "$nm" ] && { "$b" mkdir -p "$d/cs"; echo "$code" >"$d/cs/$nm.done.tmp"; "$b" mv "$d/cs/$nm.done.tmp" "$d/cs/$nm.done"; }
exit "$code"`

const INIT_SCRIPT = `"$0" cp "$0" "$1/busybox" && printf %s "$${SCRIPT_ENV}" >"$1/script" && "$0" chmod 0755 "$1/script"`

/**
 * Shell functions the executor's other scripts (resource, http, artifacts) share, for after they set
 * `d` (the executor's directory) and `b` (its busybox): `say` tells why it failed on stderr and in
 * `<dir>/message` (which the wrapper reports); `inpath P` finds program P in PATH as `$p` (the image
 * decides where its programs live).
 */
export const SCRIPT_HELPERS = `say() { echo "$*" >&2; printf %s "$*" | "$b" head -c ${MESSAGE_LIMIT} >"$d/message"; }
inpath() { p=; set -f; IFS=:; for x in $PATH; do if [ -x "\${x:-.}/$1" ]; then p=\${x:-.}/$1; break; fi; done; unset IFS; set +f; [ -n "$p" ]; }
`

/** Kubernetes expands `$(VAR)` and reduces `$$` to `$` in command, args and env values: doubled, every `$` survives. */
export const escape = (s: string) => s.replaceAll('$', () => '$$')
export const unescape = (s: string) => s.replaceAll('$$', () => '$')

/**
 * The init container, the shared volume, and the main container with its command wrapped.
 * `argv` is the full command (entrypoint + args, resolved by the caller); the caller's own strings
 * keep Kubernetes' `$(VAR)` expansion, the executor's are escaped from it.
 * @param dir the shared directory; tests only (production Pods always use EXECUTOR_DIR).
 */
export function wrap(
  main: Container,
  argv: string[],
  plan: ExecutorPlan,
  image: string = DEFAULT_EXECUTOR_IMAGE,
  dir: string = EXECUTOR_DIR,
): { init: Container; volume: Volume; main: Container } {
  if (argv.length === 0)
    throw new Error(
      'the executor needs a command to run: the template gives none and the image entrypoint is not known',
    )
  for (const o of plan.outputs) {
    if (!NAME.test(o.name))
      throw new Error(
        `output parameter name ${JSON.stringify(o.name)} must be letters, digits, "-" or "_"`,
      )
    if (o.path === '' || o.path.includes('\0'))
      throw new Error(`output parameter ${o.name} needs a path`)
  }
  const { init, volume } = executorInit(main, plan.script, image, dir)
  const mount = { name: VOLUME, mountPath: dir }
  for (const a of plan.artifacts ?? [])
    if (!NAME.test(a.name) || !a.path.startsWith('/'))
      throw new Error(
        `output artifact ${JSON.stringify(a.name)} needs a name of letters, digits, "-" or "_" and an absolute path`,
      )
  const options = [
    ...(plan.result ? ['-r'] : []),
    ...(plan.container
      ? ['-N', plan.container.name, ...plan.container.dependencies.flatMap((d) => ['-W', d])]
      : []),
    ...(plan.container?.retries
      ? ['-R', String(plan.container.retries.limit), String(plan.container.retries.delaySeconds)]
      : []),
    ...plan.outputs.flatMap((o) => ['-o', o.name, escape(o.path)]),
    ...(plan.artifacts ?? []).flatMap((a) => ['-a', a.name, escape(a.path), a.archive]),
  ]
  const command = plan.script === undefined ? argv : [...argv, `${dir}/script`]
  const { args: _args, ...rest } = main
  const logPath = main.terminationMessagePath
  const wrapped: Container = {
    ...rest,
    command: [
      escape(`${dir}/busybox`),
      'sh',
      '-c',
      escape(WRAPPER),
      PROGRAM,
      escape(dir),
      ...options,
      '--',
      ...command,
    ],
    ...(logPath !== undefined &&
      logPath !== '/dev/termination-log' && {
        env: [...(main.env ?? []), { name: 'METAHOOKS_TERMINATION_LOG', value: escape(logPath) }],
      }),
    volumeMounts: [...(main.volumeMounts ?? []), mount],
  }
  return { init, volume, main: wrapped }
}

/** The executor's volume and the init container that copies busybox into it (and stages a script). */
export function executorInit(
  main: Container,
  script: string | undefined,
  image: string = DEFAULT_EXECUTOR_IMAGE,
  dir: string = EXECUTOR_DIR,
): { init: Container; volume: Volume } {
  const init: Container = {
    name: VOLUME,
    image,
    command:
      script === undefined
        ? ['/bin/busybox', 'cp', '/bin/busybox', escape(`${dir}/busybox`)]
        : ['/bin/busybox', 'sh', '-c', escape(INIT_SCRIPT), '/bin/busybox', escape(dir)],
    ...(script !== undefined && { env: [{ name: SCRIPT_ENV, value: escape(script) }] }),
    resources: {
      requests: { cpu: '10m', memory: '16Mi' },
      limits: { cpu: '100m', memory: '64Mi' },
    },
    ...(main.securityContext && { securityContext: main.securityContext }),
    volumeMounts: [{ name: VOLUME, mountPath: dir }],
  }
  return { init, volume: { name: VOLUME, emptyDir: {} } }
}
