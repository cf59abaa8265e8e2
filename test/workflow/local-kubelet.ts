import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Container } from 'kubernetes-types/core/v1'

/**
 * A kubelet for one container on this machine, for the executor's real tests: env values expanded
 * in order (secretKeyRef values from `secrets`), then `$(VAR)` in the command; images' programs
 * mapped to this machine's (`/bin/busybox` to Debian's busybox-static, and whatever `programs` adds).
 */

export const BUSYBOX = '/usr/bin/busybox'
export const HAVE_BUSYBOX = existsSync(BUSYBOX)
// CI installs busybox-static and must not skip the real executor.
if (!HAVE_BUSYBOX && process.env.METAHOOKS_REQUIRE_BUSYBOX === '1')
  throw new Error(
    `${BUSYBOX} is missing (apt-get install busybox-static) and METAHOOKS_REQUIRE_BUSYBOX=1`,
  )

/** What a Service in the namespace puts in every container's environment (and so in `$(…)` expansion). */
export const SERVICE_ENV: Record<string, string> = { KUBERNETES_SERVICE_HOST: '10.96.0.1' }

/** Kubernetes' `$(VAR)` expansion of command, args and env values (k8s third_party/forked/golang/expansion), written independently of the code under test. */
export function kubeExpand(input: string, vars: Record<string, string>): string {
  let out = ''
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 === input.length) {
      out += input[i]
      continue
    }
    const next = input[i + 1]
    const close = next === '(' ? input.indexOf(')', i + 2) : -1
    if (next === '$') out += '$'
    else if (close >= 0) {
      const name = input.slice(i + 2, close)
      out += vars[name] ?? `$(${name})`
      i = close - 1
    } else out += `$${next}`
    i++
  }
  return out
}

export interface LocalRun {
  cwd: string
  input?: string
  /** Where the termination message goes (METAHOOKS_TERMINATION_LOG). */
  log?: string
  /** Secret name → key → value, for env valueFrom.secretKeyRef. */
  secrets?: Record<string, Record<string, string>>
  /** Image paths → this machine's programs (besides /bin/busybox). */
  programs?: Record<string, string>
  /** The environment the image and the kubelet give besides the container's own (PATH, KUBECONFIG…). */
  env?: Record<string, string>
}

function prepare(c: Container, opts: LocalRun): { argv: string[]; env: Record<string, string> } {
  const vars: Record<string, string> = { ...SERVICE_ENV }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef
    const value = ref ? opts.secrets?.[ref.name ?? '']?.[ref.key] : e.value
    if (value === undefined)
      throw new Error(
        `${c.name}: env ${e.name} refers to secret ${ref?.name}/${ref?.key}, which the test did not give`,
      )
    vars[e.name] = ref ? value : kubeExpand(value, vars)
  }
  const programs: Record<string, string> = { '/bin/busybox': BUSYBOX, ...opts.programs }
  const argv = (c.command ?? []).map((a) => kubeExpand(a, vars)).map((a) => programs[a] ?? a)
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: opts.cwd,
    ...opts.env,
    ...vars,
    ...(opts.log && { METAHOOKS_TERMINATION_LOG: opts.log }),
  }
  return { argv, env }
}

/** Runs a container to its end. */
export function runContainer(c: Container, opts: LocalRun) {
  const { argv, env } = prepare(c, opts)
  return spawnSync(argv[0]!, argv.slice(1), { cwd: opts.cwd, env, input: opts.input ?? '' })
}

/** Runs a container to its end without blocking the event loop (servers in this process keep answering it). */
export async function runContainerAsync(
  c: Container,
  opts: LocalRun,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { argv, env } = prepare(c, opts)
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  // A command that never reads its stdin may be gone before it is written.
  child.stdin.on('error', () => {})
  child.stdin.end(opts.input ?? '')
  const status = await new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  )
  return { status, stdout, stderr }
}

/** Starts a container (a sidecar) in the background; its stderr is collected. */
export function startContainer(
  c: Container,
  opts: LocalRun,
): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const { argv, env } = prepare(c, opts)
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (status) => resolve(status)),
  )
  return { child, stderr: () => err, exited }
}
