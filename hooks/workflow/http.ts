import type { Container, EnvVar } from 'kubernetes-types/core/v1'
import { evaluate, parseExpr } from './expr/index.ts'
import { escape, EXECUTOR_DIR, SCRIPT_HELPERS, type ExecutorPlan } from './executor.ts'
import type { Template } from './schema.ts'

/**
 * Argo's http templates, as a Pod: curl (the curlimages/curl image) makes the request through the
 * executor, which hands back the body as `outputs.result` and the status code and headers as two
 * files of its own; the hook then decides the node's phase — `successCondition` evaluated with
 * Argo's variables (`request.*`, `response.statusCode`, `response.body`, `response.headers`), or,
 * without one, a 2xx status, as Argo's agent does. Secret header values reach only this Pod, from
 * `secretKeyRef`s.
 */

export const CURL_IMAGE = 'curlimages/curl:8.11.1'
const PROGRAM = 'metahooks-http'
/** The executor's own outputs of an http node (not declared by the template, never recorded). */
export const HTTP_STATUS = 'metahooks-http-status'
export const HTTP_HEADERS = 'metahooks-http-headers'
const httpFile = (dir: string, name: string) => `${dir}/http/${name}`

/**
 * Run as `busybox sh -c SCRIPT metahooks-http <dir> <method> <url> <timeout> <insecure 0|1>
 * [<header name> <env var>]…`, the body (if any) in METAHOOKS_HTTP_BODY. curl is found in PATH.
 * The body goes to stdout (the executor's result), the status and response headers to files.
 */
const SCRIPT = `d=$1; b=$d/busybox; m=$2; u=$3; t=$4; k=$5; shift 5
${SCRIPT_HELPERS}inpath curl || { say "curl is not in the image's PATH"; exit 127; }; c=$p
"$b" mkdir -p "$d/http"
n=$#; i=0
while [ "$i" -lt "$n" ]; do
  h=$1; v=$2; shift 2; i=$((i+2))
  eval "x=\\\${$v-}"
  set -- "$@" -H "$h: $x"
done
[ "$k" = 1 ] && set -- "$@" -k
if [ -n "\${METAHOOKS_HTTP_BODY+set}" ]; then printf %s "$METAHOOKS_HTTP_BODY" >"$d/http/request"; set -- "$@" --data-binary "@$d/http/request"; fi
"$c" -sS -X "$m" --max-time "$t" -D "$d/http/${HTTP_HEADERS}" -w '%{http_code}' -o "$d/http/body" "$@" -- "$u" >"$d/http/${HTTP_STATUS}" 2>"$d/http/err" || { c=$?; say "$("$b" tail -n 1 "$d/http/err")"; exit $c; }
"$b" cat "$d/http/body"`

export interface HttpRun {
  main: Container
  argv: string[]
  plan: ExecutorPlan
}

/** The main container of an http template's Pod (fields already substituted). */
export function httpContainer(template: Template, dir: string = EXECUTOR_DIR): HttpRun {
  const h = template.http!
  const env: EnvVar[] = []
  const headerWords: string[] = []
  ;(h.headers ?? []).forEach((header, i) => {
    const name = `METAHOOKS_HTTP_HEADER_${i}`
    const ref = header.valueFrom?.secretKeyRef
    env.push(
      ref
        ? { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } }
        : { name, value: escape(header.value ?? '') },
    )
    headerWords.push(header.name, name)
  })
  const body = h.bodyFrom?.bytes !== undefined ? atob(h.bodyFrom.bytes) : h.body
  if (body !== undefined && body !== '')
    env.push({ name: 'METAHOOKS_HTTP_BODY', value: escape(body) })
  const argv = [
    `${dir}/busybox`,
    'sh',
    '-c',
    SCRIPT,
    PROGRAM,
    dir,
    h.method ?? 'GET',
    h.url,
    String(h.timeoutSeconds ?? 30),
    h.insecureSkipVerify ? '1' : '0',
    ...headerWords,
  ].map(escape)
  return {
    main: { name: 'main', image: CURL_IMAGE, ...(env.length > 0 && { env }) },
    argv,
    plan: {
      result: true,
      outputs: [HTTP_STATUS, HTTP_HEADERS].map((name) => ({ name, path: httpFile(dir, name) })),
    },
  }
}

/** Response headers as curl wrote them (`-D`): the last response's, names canonical as Go writes them, values listed. */
function headersOf(text: string): Record<string, string[]> {
  const blocks = text.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '')
  const out: Record<string, string[]> = {}
  for (const line of (blocks.at(-1) ?? '').split(/\r?\n/).slice(1)) {
    const at = line.indexOf(':')
    if (at <= 0) continue
    const name = line
      .slice(0, at)
      .trim()
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())
    ;(out[name] ??= []).push(line.slice(at + 1).trim())
  }
  return out
}

/** The node's phase from the response, as Argo's agent decides it; a message when it failed. */
export function httpOutcome(
  template: Template,
  response: { status?: string; headers?: string; body: string },
): { failed?: string } {
  const h = template.http!
  const statusCode = Number(response.status)
  if (!Number.isInteger(statusCode) || statusCode < 100)
    return {
      failed: `the http executor reported no status code (${JSON.stringify((response.status ?? '').slice(0, 20))})`,
    }
  if (h.successCondition === undefined || h.successCondition === '') {
    return statusCode >= 200 && statusCode < 300
      ? {}
      : { failed: `received non-2xx response code: ${statusCode}` }
  }
  const scope = {
    request: {
      method: h.method ?? 'GET',
      url: h.url,
      body: h.body ?? '',
      headers: Object.fromEntries((h.headers ?? []).map((x) => [x.name, [x.value ?? '']])),
    },
    response: { statusCode, body: response.body, headers: headersOf(response.headers ?? '') },
  }
  try {
    return evaluate(parseExpr(h.successCondition), scope) === true
      ? {}
      : { failed: `successCondition '${h.successCondition}' evaluated false` }
  } catch (error) {
    return { failed: `successCondition '${h.successCondition}': ${(error as Error).message}` }
  }
}
