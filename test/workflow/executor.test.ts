import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Container, EnvVar } from 'kubernetes-types/core/v1'
import { afterAll, describe, expect, it } from 'vitest'
import { BUSYBOX, HAVE_BUSYBOX, kubeExpand, runContainer, SERVICE_ENV } from './local-kubelet.ts'
import {
  DEFAULT_EXECUTOR_IMAGE,
  EXECUTOR_DIR,
  type ExecutorPlan,
  wrap,
} from '../../hooks/workflow/executor.ts'
import { emulate, readTerminationMessage } from '../../hooks/workflow/executor-message.ts'

const run = runContainer

const root = HAVE_BUSYBOX ? mkdtempSync(join(tmpdir(), 'metahooks-executor-')) : ''
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})
let count = 0

/** Runs the init container then the main one for real, in a fresh directory (`@/` in a case). */
function runPod(
  argv: string[],
  plan: ExecutorPlan,
  stage: Record<string, string> = {},
  input?: string,
) {
  const dir = join(root, `case-${++count}`)
  const exec = join(dir, 'exec')
  mkdirSync(exec, { recursive: true })
  const at = (s: string) => s.replaceAll('@/', `${dir}/`)
  for (const [path, content] of Object.entries(stage)) writeFileSync(at(path), content)
  const resolved = { ...plan, outputs: plan.outputs.map((o) => ({ ...o, path: at(o.path) })) }
  const pod = wrap({ name: 'main', image: 'test' }, argv.map(at), resolved, undefined, exec)
  const init = run(pod.init, { cwd: dir })
  expect(init.status, `init container: ${init.stderr.toString()}`).toBe(0)
  const log = join(dir, 'termination-log')
  const main = run(pod.main, { cwd: dir, log, ...(input !== undefined && { input }) })
  const message = existsSync(log) ? readFileSync(log) : undefined
  return {
    dir,
    at,
    pod,
    exitCode: main.status,
    signal: main.signal,
    stdout: main.stdout.toString('utf8'),
    stderr: main.stderr.toString('utf8'),
    message,
  }
}

interface Case {
  name: string
  reason: string
  argv: string[]
  plan: ExecutorPlan
  /** Files the test writes before the Pod runs. */
  stage?: Record<string, string>
  stdin?: string
  exitCode: number
  /** Every byte the command printed, as the container log must show it. */
  log: string
  /** The output files as the command left them (what emulate() is given). */
  files?: Record<string, string>
  result?: string
  parameters?: Record<string, string>
  missing?: string[]
  overflow?: RegExp
  /** The exact size of the real message, where the budget is the point. */
  size?: number
  /** The message record (why it failed, in its own words). */
  message?: string
}

const R: ExecutorPlan = { result: true, outputs: [] }
const UTF8 = '\uFEFFbom é ü ✓ 🎉\u0000nul\ttab\r\ncrlf\n'
const a = (n: number) => 'a'.repeat(n)

const cases: Case[] = [
  {
    name: 'stdout only',
    reason: 'the basic capture: no trailing newline to trim',
    argv: ['sh', '-c', 'printf hello'],
    plan: R,
    exitCode: 0,
    log: 'hello',
    result: 'hello',
  },
  {
    name: 'stdout with a trailing newline',
    reason: 'Argo trims exactly one trailing newline from stdout',
    argv: ['sh', '-c', 'echo hello'],
    plan: R,
    exitCode: 0,
    log: 'hello\n',
    result: 'hello',
  },
  {
    name: 'two trailing newlines',
    reason: 'only one newline is trimmed, never more (not TrimSpace)',
    argv: ['sh', '-c', 'printf " a\\n\\n"'],
    plan: R,
    exitCode: 0,
    log: ' a\n\n',
    result: ' a\n',
  },
  {
    name: 'no stdout',
    reason: 'an empty result is "" and still a result record',
    argv: ['true'],
    plan: R,
    exitCode: 0,
    log: '',
    result: '',
  },
  {
    name: 'non-zero exit',
    reason: 'the exit code is kept and outputs are still collected after a failure',
    argv: ['sh', '-c', 'echo partial; printf x > @/a; exit 3'],
    plan: { result: true, outputs: [{ name: 'a', path: '@/a' }] },
    exitCode: 3,
    log: 'partial\n',
    files: { '@/a': 'x' },
    result: 'partial',
    parameters: { a: 'x' },
  },
  {
    name: 'exit 127: not in PATH',
    reason: 'a command not found exits 127 like any shell, with an empty result',
    argv: ['metahooks-no-such-command'],
    plan: R,
    exitCode: 127,
    log: '',
    result: '',
  },
  {
    name: 'exit 127: no such path',
    reason: 'a path that does not exist is also 127',
    argv: ['@/no/such/program'],
    plan: R,
    exitCode: 127,
    log: '',
    result: '',
  },
  {
    name: 'killed by a signal',
    reason:
      'a command killed by SIGTERM exits 128+15; the script also proves $$ survives Kubernetes expansion',
    argv: ['sh'],
    plan: { result: true, outputs: [], script: 'echo before\nkill -TERM $$\necho after\n' },
    exitCode: 143,
    log: 'before\n',
    result: 'before',
  },
  {
    name: 'output files present and missing',
    reason:
      'declaration order; one trailing newline trimmed; a missing file and a directory are both listed as missing',
    argv: [
      'sh',
      '-c',
      'mkdir @/dir; printf "v1\\n" > @/one; printf "two\\n\\n" > @/two; printf "" > @/empty',
    ],
    plan: {
      result: false,
      outputs: [
        { name: 'one', path: '@/one' },
        { name: 'gone', path: '@/gone' },
        { name: 'two', path: '@/two' },
        { name: 'dir', path: '@/dir' },
        { name: 'empty', path: '@/empty' },
      ],
    },
    exitCode: 0,
    log: '',
    files: { '@/one': 'v1\n', '@/two': 'two\n\n', '@/empty': '' },
    parameters: { one: 'v1', two: 'two\n', empty: '' },
    missing: ['gone', 'dir'],
  },
  {
    name: 'UTF-8 and binary-ish bytes',
    reason:
      'lengths are bytes, not characters: multi-byte text, a BOM, NUL, tab and CR round-trip exactly',
    argv: ['sh', '-c', 'cp @/in @/out; cat @/in'],
    stage: { '@/in': UTF8 },
    plan: { result: true, outputs: [{ name: 'bin', path: '@/out' }] },
    exitCode: 0,
    log: UTF8,
    files: { '@/out': UTF8 },
    result: UTF8.slice(0, -1),
    parameters: { bin: UTF8.slice(0, -1) },
  },
  {
    name: 'an output path with $ and parentheses',
    reason:
      'the executor escapes its own arguments from Kubernetes $(VAR) expansion ($(KUBERNETES_SERVICE_HOST) is defined)',
    argv: ['sh', '-c', 'printf v > "$1"', 'sh', '@/o$$(KUBERNETES_SERVICE_HOST)$$x'],
    plan: { result: false, outputs: [{ name: 'p', path: '@/o$(KUBERNETES_SERVICE_HOST)$x' }] },
    exitCode: 0,
    log: '',
    files: { '@/o$(KUBERNETES_SERVICE_HOST)$x': 'v' },
    parameters: { p: 'v' },
  },
  {
    name: 'script source with quotes, $ and newlines',
    reason:
      'the source reaches <dir>/script byte for byte through the init container env, despite Kubernetes expansion',
    argv: ['sh'],
    plan: {
      result: true,
      outputs: [],
      script:
        'cat <<\'EOF\'\nit\'s "quoted" \\ $HOME $$ $(KUBERNETES_SERVICE_HOST) $$(X) `x` $\nEOF\nprintf "%s" "$0"',
    },
    exitCode: 0,
    log: 'it\'s "quoted" \\ $HOME $$ $(KUBERNETES_SERVICE_HOST) $$(X) `x` $\n@/exec/script',
    result: 'it\'s "quoted" \\ $HOME $$ $(KUBERNETES_SERVICE_HOST) $$(X) `x` $\n@/exec/script',
  },
  {
    name: 'script run as <command> <file>: awk -f',
    reason: 'Argo appends the script path to the command: busybox awk -f <file>',
    argv: [BUSYBOX, 'awk', '-f'],
    plan: { result: true, outputs: [], script: 'BEGIN { printf "awk says %s\\n", "hi" }\n' },
    exitCode: 0,
    log: 'awk says hi\n',
    result: 'awk says hi',
  },
  {
    name: "the command's own -- and -r",
    reason:
      'the wrapper reads its options up to the first -- only; the command gets its arguments untouched',
    argv: ['sh', '-c', 'printf "%s|" "$@"', 'x', '--', '-r', '-o', 'y'],
    plan: R,
    exitCode: 0,
    log: '--|-r|-o|y|',
    result: '--|-r|-o|y|',
  },
  {
    name: 'stdin is kept',
    reason: 'running the command in the background must not take its stdin away',
    argv: ['cat'],
    plan: R,
    stdin: 'piped',
    exitCode: 0,
    log: 'piped',
    result: 'piped',
  },
  {
    name: 'result not captured',
    reason: 'without -r stdout goes straight to the log and the message has no result record',
    argv: ['sh', '-c', 'echo only-in-the-log'],
    plan: { result: false, outputs: [] },
    exitCode: 0,
    log: 'only-in-the-log\n',
  },
  {
    name: 'exactly 4096 bytes',
    reason: 'the budget is inclusive: a 4050-byte result makes a 4096-byte message that is kept',
    argv: ['cat', '@/big'],
    stage: { '@/big': a(4050) },
    plan: R,
    exitCode: 0,
    log: a(4050),
    result: a(4050),
    size: 4096,
  },
  {
    name: 'one byte over: overflow',
    reason: 'a 4051-byte result would make 4097 bytes: sizes are reported instead of a cut value',
    argv: ['cat', '@/big'],
    stage: { '@/big': a(4051) },
    plan: R,
    exitCode: 0,
    log: a(4051),
    overflow:
      /^outputs\.result is 4051 bytes; a termination message holds 4096 \(this one would be 4097 bytes\)/,
  },
  {
    name: 'overflow past 4096',
    reason: 'the log still has every byte; the message names the result and its size',
    argv: ['cat', '@/big'],
    stage: { '@/big': a(6120) },
    plan: R,
    exitCode: 0,
    log: a(6120),
    overflow:
      /^outputs\.result is 6120 bytes; a termination message holds 4096 .* — write large outputs to an artifact$/,
  },
  {
    name: "a message of the command's own",
    reason:
      'what the command writes to <dir>/message says why it failed (the resource executor does): kept as printable ASCII (tabs too), 1000 bytes at most',
    argv: [
      'sh',
      '-c',
      `printf 'kubectl create: AlreadyExists\\t\\303\\251\\n%1200s' x > @/exec/message; exit 1`,
    ],
    plan: { result: false, outputs: [] },
    exitCode: 1,
    log: '',
    files: { '@/exec/message': `kubectl create: AlreadyExists\t\u00e9\n${' '.repeat(1199)}x` },
    message: `kubectl create: AlreadyExists\t${' '.repeat(970)}`,
  },
  {
    name: 'overflow from a parameter',
    reason:
      'every non-empty output is named with its size; missing ones are still listed; the exit code still travels',
    argv: ['sh', '-c', 'cp @/big @/p; echo ok; exit 5'],
    stage: { '@/big': a(5000) },
    plan: {
      result: true,
      outputs: [
        { name: 'p', path: '@/p' },
        { name: 'q', path: '@/q' },
      ],
    },
    exitCode: 5,
    log: 'ok\n',
    files: { '@/p': a(5000) },
    missing: ['q'],
    overflow: /^outputs\.parameters\.p is 5000 bytes and outputs\.result is 2 bytes; /,
  },
]

describe.skipIf(!HAVE_BUSYBOX)(
  `executor: the real wrapper under ${BUSYBOX} (skipped when busybox-static is not installed)`,
  () => {
    it.each(cases)('$name — $reason', (c) => {
      const pod = runPod(c.argv, c.plan, c.stage, c.stdin)
      expect(pod.exitCode, pod.stderr).toBe(c.exitCode)
      expect(pod.stdout).toBe(pod.at(c.log))
      expect(pod.message, 'the wrapper wrote no termination message').toBeDefined()
      const message = pod.message!
      expect(message.length).toBeLessThanOrEqual(4096)
      if (c.size !== undefined) expect(message.length).toBe(c.size)

      const read = readTerminationMessage(message.toString('utf8'))
      expect(read?.error).toBeUndefined()
      expect(read?.exitCode).toBe(c.exitCode)
      expect(read?.result).toBe(c.result === undefined ? undefined : pod.at(c.result))
      expect(read?.parameters).toEqual(c.parameters ?? {})
      expect(read?.missing).toEqual(c.missing ?? [])
      expect(read?.message).toBe(c.message)
      if (c.overflow) expect(read?.overflow).toMatch(c.overflow)
      else expect(read?.overflow).toBeUndefined()

      const files = Object.fromEntries(
        Object.entries(c.files ?? {}).map(([k, v]) => [pod.at(k), v]),
      )
      const emulated = emulate(pod.pod.main, { exitCode: c.exitCode, stdout: pod.at(c.log), files })
      expect(emulated.exitCode).toBe(pod.exitCode)
      expect(
        Buffer.from(emulated.message, 'utf8').equals(message),
        `emulate:\n${emulated.message}\nreal:\n${message.toString('utf8')}`,
      ).toBe(true)
    })

    it('forwards SIGTERM to the command (the wrapper is PID 1, which ignores signals it does not handle) and still reports', async () => {
      const dir = join(root, 'term')
      const exec = join(dir, 'exec')
      mkdirSync(exec, { recursive: true })
      const pod = wrap(
        { name: 'main', image: 'test' },
        [
          'sh',
          '-c',
          'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done',
        ],
        R,
        undefined,
        exec,
      )
      expect(run(pod.init, { cwd: dir }).status).toBe(0)
      const argv = pod.main.command!.map((s) => kubeExpand(s, SERVICE_ENV))
      const log = join(dir, 'termination-log')
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: dir,
        env: { PATH: process.env.PATH, METAHOOKS_TERMINATION_LOG: log },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      const code = await new Promise<number | null>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          if (stdout === 'ready\n') child.kill('SIGTERM')
        })
        child.on('close', (status) => resolve(status))
      })
      expect(code).toBe(42)
      expect(stdout).toBe('ready\ngot-term\n')
      const read = readTerminationMessage(readFileSync(log, 'utf8'))
      expect(read).toEqual({ exitCode: 42, result: 'ready\ngot-term', parameters: {}, missing: [] })
    })

    it('keeps the exit code when the termination log cannot be written', () => {
      const dir = join(root, 'nolog')
      mkdirSync(join(dir, 'exec'), { recursive: true })
      const pod = wrap(
        { name: 'main', image: 'test' },
        ['sh', '-c', 'exit 7'],
        R,
        undefined,
        join(dir, 'exec'),
      )
      expect(run(pod.init, { cwd: dir }).status).toBe(0)
      expect(run(pod.main, { cwd: dir, log: join(dir, 'no', 'such', 'dir', 'log') }).status).toBe(7)
    })

    it("runs the image's own program, not a busybox applet of the same name", () => {
      // Debian's busybox is built with FEATURE_SH_STANDALONE: `ls` in its sh would run its applet.
      const dir = join(root, 'applet')
      mkdirSync(join(dir, 'exec'), { recursive: true })
      mkdirSync(join(dir, 'bin'))
      writeFileSync(join(dir, 'bin', 'ls'), '#!/bin/sh\necho "the image\'s ls"\n', { mode: 0o755 })
      const pod = wrap({ name: 'main', image: 'test' }, ['ls'], R, undefined, join(dir, 'exec'))
      expect(run(pod.init, { cwd: dir }).status).toBe(0)
      const argv = pod.main.command!.map((s) => kubeExpand(s, {}))
      const main = spawnSync(argv[0]!, argv.slice(1), {
        cwd: dir,
        env: {
          PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
          METAHOOKS_TERMINATION_LOG: join(dir, 'log'),
        },
        encoding: 'utf8',
      })
      expect(main.stdout).toBe("the image's ls\n")
      expect(readTerminationMessage(readFileSync(join(dir, 'log'), 'utf8'))?.result).toBe(
        "the image's ls",
      )
    })
  },
)

describe('executor: the Pod pieces wrap() builds', () => {
  const env: EnvVar[] = [{ name: 'A', value: '1' }]
  const base: Container = {
    name: 'main',
    image: 'python:3',
    args: ['ignored'],
    env,
    volumeMounts: [{ name: 'work', mountPath: '/work' }],
    securityContext: { runAsUser: 1000 },
  }

  it('wraps the full argv under the production paths and mounts the shared volume in both containers', () => {
    const { init, volume, main } = wrap(base, ['python', '-u', 'app.py'], {
      result: true,
      outputs: [{ name: 'v', path: '/tmp/v' }],
    })
    expect(volume).toEqual({ name: 'metahooks-executor', emptyDir: {} })
    expect(init.image).toBe(DEFAULT_EXECUTOR_IMAGE)
    expect(init.command).toEqual(['/bin/busybox', 'cp', '/bin/busybox', `${EXECUTOR_DIR}/busybox`])
    expect(init.securityContext).toEqual({ runAsUser: 1000 })
    expect(init.volumeMounts).toEqual([{ name: 'metahooks-executor', mountPath: EXECUTOR_DIR }])
    expect(main.command!.slice(0, 2)).toEqual([`${EXECUTOR_DIR}/busybox`, 'sh'])
    expect(main.command!.slice(4)).toEqual([
      'metahooks-executor',
      EXECUTOR_DIR,
      '-r',
      '-o',
      'v',
      '/tmp/v',
      '--',
      'python',
      '-u',
      'app.py',
    ])
    expect(main.args).toBeUndefined()
    expect(main.volumeMounts).toEqual([
      { name: 'work', mountPath: '/work' },
      { name: 'metahooks-executor', mountPath: EXECUTOR_DIR },
    ])
    expect(main.env).toBe(env)
  })

  it('stages a script with $ escaped for Kubernetes and appends its path to the command', () => {
    const { init, main } = wrap(
      base,
      ['python'],
      { result: false, outputs: [], script: 'print("$(HOME) $$")' },
      'registry.local/busybox:1',
    )
    expect(init.image).toBe('registry.local/busybox:1')
    expect(init.env).toEqual([{ name: 'METAHOOKS_SCRIPT', value: 'print("$$(HOME) $$$$")' }])
    expect(kubeExpand(init.env![0]!.value!, { HOME: '/root' })).toBe('print("$(HOME) $$")')
    expect(main.command!.slice(-3)).toEqual(['--', 'python', `${EXECUTOR_DIR}/script`])
  })

  it('writes where a custom terminationMessagePath points', () => {
    const { main } = wrap({ ...base, terminationMessagePath: '/tmp/msg' }, ['true'], {
      result: false,
      outputs: [],
    })
    expect(main.env).toEqual([...env, { name: 'METAHOOKS_TERMINATION_LOG', value: '/tmp/msg' }])
  })

  it('is deterministic and leaves its input alone', () => {
    const freeze = <T>(o: T): T => {
      if (o && typeof o === 'object') {
        Object.values(o).forEach(freeze)
        Object.freeze(o)
      }
      return o
    }
    const input = freeze(structuredClone(base))
    const plan = freeze({ result: true, outputs: [{ name: 'x', path: '/x' }], script: 'echo hi' })
    const one = JSON.stringify(wrap(input, ['sh'], plan))
    expect(JSON.stringify(wrap(input, ['sh'], plan))).toBe(one)
    expect(input).toEqual(base)
  })

  it.each([
    {
      name: 'no command',
      reason: 'the image entrypoint is unknown to a hook',
      argv: [],
      plan: { result: true, outputs: [] },
      error: /needs a command/,
    },
    {
      name: 'a parameter name with a space',
      reason: 'names travel as tokens in the message',
      argv: ['true'],
      plan: { result: false, outputs: [{ name: 'a b', path: '/x' }] },
      error: /must be letters/,
    },
    {
      name: 'an empty path',
      reason: 'nothing to read',
      argv: ['true'],
      plan: { result: false, outputs: [{ name: 'a', path: '' }] },
      error: /needs a path/,
    },
  ])('rejects $name — $reason', ({ argv, plan, error }) => {
    expect(() => wrap(base, argv, plan)).toThrow(error)
  })
})

describe('executor: reading termination messages', () => {
  const wrapped = wrap({ name: 'main', image: 'x' }, ['true'], {
    result: true,
    outputs: [{ name: 'a', path: '/a' }],
  }).main
  const good = emulate(wrapped, { exitCode: 0, stdout: 'out\n', files: { '/a': 'v\n' } }).message
  const bad = (s: string) => expect.stringMatching(s)

  it.each([
    {
      name: 'no message',
      reason: 'a container that wrote nothing',
      message: undefined,
      expected: undefined,
    },
    { name: 'an empty message', reason: 'not the executor', message: '', expected: undefined },
    {
      name: 'plain text',
      reason: 'a Pod not wrapped (old SCRIPT_WRAPPER or FallbackToLogsOnError)',
      message: 'hello\n',
      expected: undefined,
    },
    {
      name: 'JSON',
      reason: 'the older JSON convention is not ours',
      message: '{"result":"x"}',
      expected: undefined,
    },
    {
      name: 'the emulated message',
      reason: 'parameters first, result last',
      message: good,
      expected: { exitCode: 0, result: 'out', parameters: { a: 'v' }, missing: [] },
    },
    {
      name: 'a cut message',
      reason: 'a truncated message is an error, never a shorter value',
      message: good.slice(0, -5),
      expected: { exitCode: 0, parameters: {}, missing: [], error: bad('malformed') },
    },
    {
      name: 'trailing bytes',
      reason: 'nothing may follow end',
      message: `${good}x`,
      expected: { exitCode: 0, parameters: {}, missing: [], error: bad('"end" as the last line') },
    },
    {
      name: 'a value that was not UTF-8',
      reason: 'the API server turns a bad byte into U+FFFD (3 bytes): lengths no longer match',
      message: 'metahooks-executor v1\nexit 0\nparam a 1\n\uFFFD\nend\n',
      expected: { exitCode: 0, parameters: {}, missing: [], error: bad('not UTF-8') },
    },
    {
      name: 'another version',
      reason: 'a newer executor image with an older engine says so',
      message: 'metahooks-executor v2\nexit 0\nend\n',
      expected: { parameters: {}, missing: [], error: bad('v2') },
    },
    {
      name: 'no exit line',
      reason: 'the exit code is required',
      message: 'metahooks-executor v1\nend\n',
      expected: { parameters: {}, missing: [], error: bad('exit <code>') },
    },
  ])('$name — $reason', ({ message, expected }) => {
    expect(readTerminationMessage(message)).toEqual(expected)
  })

  it('emulate() of a container that is not wrapped writes nothing', () => {
    expect(
      emulate({ name: 'main', image: 'x', command: ['echo'] }, { exitCode: 3, stdout: 'x' }),
    ).toEqual({ exitCode: 3, message: '' })
  })
})
