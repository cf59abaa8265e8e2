import type { Container } from 'kubernetes-types/core/v1'
import {
  escape,
  LIMIT,
  MESSAGE_LIMIT,
  PROGRAM,
  TAG,
  unescape,
  WRAPPER,
  type ArtifactState,
  type ExecutorResult,
  type PackedArtifact,
} from './executor.ts'

/**
 * The executor's termination message, read (what the hook does with every finished Pod) and
 * emulated (what the simulated kubelet writes for a wrapped container): byte for byte the real
 * wrapper's, which test/workflow/executor.test.ts checks against busybox.
 */

/** The plan a wrapped container carries (its own arguments, unescaped), or undefined when it is not wrapped. */
function planOf(main: Container):
  | {
      dir: string
      result: boolean
      outputs: { name: string; path: string }[]
      artifacts: PackedArtifact[]
      name?: string
    }
  | undefined {
  const c = main.command ?? []
  if (
    c[1] !== 'sh' ||
    c[2] !== '-c' ||
    c[3] !== escape(WRAPPER) ||
    c[4] !== PROGRAM ||
    c[5] === undefined
  )
    return undefined
  const plan: NonNullable<ReturnType<typeof planOf>> = {
    dir: unescape(c[5]),
    result: false,
    outputs: [],
    artifacts: [],
  }
  for (let i = 6; i < c.length; i++) {
    if (c[i] === '--') return plan
    if (c[i] === '-r') plan.result = true
    else if (c[i] === '-N' && c[i + 1] !== undefined) plan.name = c[++i]!
    else if (c[i] === '-W' && c[i + 1] !== undefined) i++
    else if (c[i] === '-R' && c[i + 2] !== undefined) i += 2
    else if (c[i] === '-o' && c[i + 2] !== undefined)
      plan.outputs.push({ name: c[++i]!, path: unescape(c[++i]!) })
    else if (c[i] === '-a' && (c[i + 3] === 'tgz' || c[i + 3] === 'none'))
      plan.artifacts.push({
        name: c[++i]!,
        path: unescape(c[++i]!),
        archive: c[++i] as 'tgz' | 'none',
      })
    else return undefined
  }
  return undefined
}

const encoder = new TextEncoder()
const bytes = (s: string) => encoder.encode(s).length
/** Argo trims one trailing newline from a parameter file and from stdout (workflow/executor/executor.go). */
const trim = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s)

/**
 * What the wrapper writes, in TypeScript, for a container that ran with this exit code, stdout and
 * files (keyed by the declared path): byte for byte the real wrapper's message (a test runs both).
 * A container that is not wrapped writes nothing.
 */
export function emulate(
  main: Container,
  run: { exitCode: number; stdout?: string; files?: Record<string, string> },
): { exitCode: number; message: string } {
  const plan = planOf(main)
  if (!plan) return { exitCode: run.exitCode, message: '' }
  const head = `${TAG}\nexit ${run.exitCode}\n`
  let total = bytes(head) + 4
  const outputs = plan.outputs.map(({ name, path }) => {
    const file = run.files?.[path]
    const value = file === undefined ? undefined : trim(file)
    const size = value === undefined ? 0 : bytes(value)
    total += value === undefined ? bytes(name) + 9 : bytes(name) + String(size).length + size + 9
    return { name, value, size }
  })
  const artifacts = plan.artifacts.map(({ name, path, archive }) => {
    const file = run.files?.[path] !== undefined
    const dir = !file && Object.keys(run.files ?? {}).some((p) => p.startsWith(`${path}/`))
    const state: ArtifactState =
      !file && !dir
        ? { state: 'missing' }
        : archive === 'none' && dir
          ? {
              state: 'failed',
              message: `archive none needs a file; ${path} is a directory (use tar)`,
            }
          : { state: 'saved' }
    total +=
      state.message === undefined
        ? bytes(name) + state.state.length + 11
        : bytes(name) + String(bytes(state.message)).length + bytes(state.message) + 19
    return { name, ...state }
  })
  const said =
    run.files?.[
      plan.name === undefined ? `${plan.dir}/message` : `${plan.dir}/cs/${plan.name}.message`
    ]
  const message =
    said === undefined ? undefined : said.replace(/[^\t\x20-\x7e]/g, '').slice(0, MESSAGE_LIMIT)
  if (message !== undefined) total += String(message.length).length + message.length + 10
  const result = plan.result ? trim(run.stdout ?? '') : undefined
  const resultSize = result === undefined ? 0 : bytes(result)
  if (result !== undefined) total += String(resultSize).length + resultSize + 9
  const over = total > LIMIT
  let text = head + (over ? `overflow ${total} ${LIMIT}\n` : '')
  for (const o of outputs)
    text +=
      o.value === undefined
        ? `missing ${o.name}\n`
        : `param ${o.name} ${o.size}\n${over ? '' : `${o.value}\n`}`
  for (const a of artifacts)
    text +=
      a.message === undefined
        ? `artifact ${a.name} ${a.state}\n`
        : `artifact ${a.name} failed ${bytes(a.message)}\n${a.message}\n`
  if (message !== undefined) text += `message ${message.length}\n${message}\n`
  if (result !== undefined) text += `result ${resultSize}\n${over ? '' : `${result}\n`}`
  return { exitCode: run.exitCode, message: `${text}end\n` }
}

/** Reads what the wrapper wrote into the termination message; undefined when it is not ours (a Pod not wrapped). */
export function readTerminationMessage(message: string | undefined): ExecutorResult | undefined {
  if (message === undefined || !message.startsWith(`${PROGRAM} v`)) return undefined
  const data = encoder.encode(message)
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const out: ExecutorResult = { parameters: {}, missing: [] }
  let at = 0
  const fail = (expected: string): ExecutorResult => ({
    ...(out.exitCode !== undefined && { exitCode: out.exitCode }),
    parameters: {},
    missing: [],
    error: `the executor's termination message is malformed at byte ${at} (expected ${expected}): it was cut, or a value was not UTF-8 text`,
  })
  const line = (): string | undefined => {
    const nl = data.indexOf(10, at)
    if (nl < 0) return undefined
    const text = decoder.decode(data.subarray(at, nl))
    at = nl + 1
    return text
  }
  const body = (n: number): string | undefined => {
    if (at + n >= data.length || data[at + n] !== 10) return undefined
    try {
      const text = decoder.decode(data.subarray(at, at + n))
      at += n + 1
      return text
    } catch {
      return undefined
    }
  }
  const version = line()
  if (version !== TAG)
    return {
      parameters: {},
      missing: [],
      error: `the termination message is from executor ${JSON.stringify(version ?? message.slice(0, 40))}; this engine reads ${TAG}`,
    }
  const exit = /^exit (\d{1,3})$/.exec(line() ?? '')
  if (!exit) return fail('"exit <code>"')
  out.exitCode = Number(exit[1])
  const sizes: string[] = []
  let overflow: { total: number; limit: number } | undefined
  let next = line()
  const over = /^overflow (\d+) (\d+)$/.exec(next ?? '')
  if (over) {
    overflow = { total: Number(over[1]), limit: Number(over[2]) }
    next = line()
  }
  for (;;) {
    if (next === undefined) return fail('a record')
    const param = /^param ([A-Za-z0-9_-]+) (\d+)$/.exec(next)
    const missing = /^missing ([A-Za-z0-9_-]+)$/.exec(next)
    const result = /^result (\d+)$/.exec(next)
    const artifact = /^artifact ([A-Za-z0-9_-]+) (saved|missing|failed (\d+))$/.exec(next)
    const said = /^message (\d+)$/.exec(next)
    if (said) {
      const message = body(Number(said[1]))
      if (message === undefined) return fail(`${said[1]} bytes of a message and a newline`)
      out.message = message
    } else if (artifact) {
      const [, name, state, n] = artifact as unknown as [string, string, string, string | undefined]
      out.artifacts ??= {}
      if (n === undefined) out.artifacts[name] = { state: state as 'saved' | 'missing' }
      else {
        const message = body(Number(n))
        if (message === undefined)
          return fail(`${n} bytes of why artifact ${name} failed and a newline`)
        out.artifacts[name] = { state: 'failed', message }
      }
    } else if (param) {
      const [, name, n] = param as unknown as [string, string, string]
      if (overflow) {
        if (n !== '0') sizes.push(`outputs.parameters.${name} is ${n} bytes`)
      } else {
        const value = body(Number(n))
        if (value === undefined) return fail(`${n} bytes of parameter ${name} and a newline`)
        out.parameters[name] = value
      }
    } else if (missing) {
      out.missing.push(missing[1]!)
    } else if (result) {
      const n = result[1]!
      if (overflow) sizes.push(`outputs.result is ${n} bytes`)
      else {
        const value = body(Number(n))
        if (value === undefined) return fail(`${n} bytes of the result and a newline`)
        out.result = value
      }
      next = line()
      break
    } else break
    next = line()
  }
  if (next !== 'end' || at !== data.length) return fail('"end" as the last line')
  if (overflow) {
    const what =
      sizes.length <= 1
        ? (sizes[0] ?? 'the outputs')
        : `${sizes.slice(0, -1).join(', ')} and ${sizes.at(-1)}`
    return {
      exitCode: out.exitCode,
      parameters: {},
      missing: out.missing,
      ...(out.artifacts && { artifacts: out.artifacts }),
      ...(out.message !== undefined && { message: out.message }),
      overflow: `${what}; a termination message holds ${overflow.limit} (this one would be ${overflow.total} bytes) — write large outputs to an artifact`,
    }
  }
  return out
}
