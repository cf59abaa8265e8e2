import { parseArgs } from 'node:util'
import type { HookName } from '../define.ts'
import type { KObject } from '../contract/objects.ts'
import { InputError, loadObjects } from '../testing/files.ts'
import { ignoredInputs, type Ignored } from '../testing/ignored.ts'
import { customizeRules, requestFor } from '../testing/requests.ts'
import { asStored, inDefaultNamespace, ownObserved, render } from '../testing/render.ts'
import {
  formatActions,
  formatResult,
  formatRound,
  renderedYaml,
  stateYaml,
} from '../testing/report.ts'
import { APPLY_STRATEGIES, Simulation } from '../testing/simulator.ts'
import { ObjectValidator } from '../manifests/object-validator.ts'
import {
  controllerNamed,
  oneOf,
  positiveInt,
  UsageError,
  type Command,
  type Project,
} from './command.ts'

// `render` and `simulate`: try a controller on files, without a cluster.

const inputOptions = {
  file: { type: 'string', short: 'f' },
  parent: { type: 'string' },
  observed: { type: 'string', multiple: true },
} as const

/**
 * The parent among a file's objects: the only one, or the one `--parent KIND/NAME` names; the
 * others are taken with the observed objects (children, related objects).
 */
function pickParent(
  file: string,
  objects: KObject[],
  named: string | undefined,
): { parent: KObject; rest: KObject[] } {
  if (named === undefined) {
    if (objects.length === 1) return { parent: objects[0]!, rest: [] }
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')
    throw new UsageError(
      `${file} holds ${objects.length} objects (${names}); name the parent with --parent KIND/NAME`,
    )
  }
  const [kind, name] = named.split('/')
  const index = objects.findIndex(
    (o) => o.kind.toLowerCase() === kind?.toLowerCase() && o.metadata.name === name,
  )
  if (!kind || !name || index < 0)
    throw new UsageError(
      `--parent ${named}: no such object in ${file} (it holds ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`,
    )
  return { parent: objects[index]!, rest: objects.filter((_, i) => i !== index) }
}

/**
 * The parent and observed objects from files, refused — naming file, object and field — where the
 * API server would refuse them (the same check as `metahooks validate`), so a typo in a spec is an
 * error instead of a quietly applied default.
 */
async function readInputs(
  project: Project,
  file: string | undefined,
  observed: string[] | undefined,
  command: string,
  parentName?: string,
): Promise<{ parent: KObject; objects: KObject[] }> {
  if (!file) throw new UsageError(`${command} needs -f PARENT.yaml`)
  const picked = pickParent(
    file,
    loadObjects(file).map((o) => inDefaultNamespace(project.controllers, o)),
    parentName,
  )
  const sources = [
    { path: file, objects: [picked.parent, ...picked.rest] },
    ...(observed ?? []).map((path) => ({
      path,
      objects: loadObjects(path).map((o) => inDefaultNamespace(project.controllers, o)),
    })),
  ]
  const validator = new ObjectValidator(project.controllers)
  const problems: string[] = []
  for (const { path, objects } of sources) {
    for (const o of objects) {
      const check = await validator.check(o as Record<string, unknown>)
      // An object of a kind nobody defines is not refused here: it is reported as ignored.
      if (check.known && check.problems.length > 0)
        problems.push(
          `${path}: ${o.kind} ${o.metadata.name} is invalid: ${check.problems.join('; ')}`,
        )
    }
  }
  if (problems.length > 0) throw new InputError(problems.join('; '))
  const [parent, ...objects] = sources.flatMap((s) => s.objects)
  return { parent: parent!, objects }
}

function reportIgnored(ignored: readonly Ignored[]): void {
  for (const i of ignored) process.stderr.write(`metahooks: ignored ${i.object}: ${i.reason}\n`)
}

async function renderHook(args: string[], project: Project): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...inputOptions,
      hook: { type: 'string' },
      output: { type: 'string', short: 'o' },
      url: { type: 'string' },
      now: { type: 'string' },
    },
  })
  const now = values.now === undefined ? undefined : new Date(values.now)
  if (now && Number.isNaN(now.getTime()))
    throw new UsageError(`--now must be an ISO 8601 time, got "${values.now}"`)
  const definition = controllerNamed(project, positionals[0])
  const hook = oneOf<HookName>(values.hook, '--hook', ['sync', 'finalize', 'customize'])
  const output = oneOf(values.output, '-o', ['yaml', 'json'] as const) ?? 'yaml'
  const { parent, objects } = await readInputs(
    project,
    values.file,
    values.observed,
    'render',
    values.parent,
  )
  const token = process.env.METAHOOKS_AUTH_TOKEN
  let rendered
  try {
    rendered = await render(definition, {
      parent,
      observed: objects,
      ...(hook && { hook }),
      ...(now && { now }),
      ...(values.url && { url: values.url }),
      ...(token && { authorization: `${process.env.METAHOOKS_AUTH_SCHEME ?? 'Bearer'} ${token}` }),
    })
  } catch (error) {
    throw new Error(`${values.file}: ${(error as Error).message}`)
  }
  reportIgnored(rendered.ignored)
  process.stdout.write(
    output === 'json'
      ? `${rendered.body}\n`
      : renderedYaml(definition, asStored(definition, parent), rendered),
  )
}

async function simulate(args: string[], project: Project): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...inputOptions,
      rounds: { type: 'string' },
      'delete-after': { type: 'string' },
      kubelet: { type: 'string' },
      now: { type: 'string' },
      'apply-strategy': { type: 'string' },
    },
  })
  const startTime = values.now
  if (startTime !== undefined && Number.isNaN(Date.parse(startTime)))
    throw new UsageError(`--now must be an ISO 8601 time, got "${startTime}"`)
  const definition = controllerNamed(project, positionals[0])
  const rounds = positiveInt(values.rounds, '--rounds') ?? 50
  const deleteAfter = positiveInt(values['delete-after'], '--delete-after')
  const kubelet = oneOf(values.kubelet, '--kubelet', ['auto', 'none'] as const) ?? 'auto'
  const applyStrategy =
    oneOf(values['apply-strategy'], '--apply-strategy', APPLY_STRATEGIES) ?? 'dynamic-apply'
  const { parent, objects } = await readInputs(
    project,
    values.file,
    values.observed,
    'simulate',
    values.parent,
  )
  const stored = asStored(definition, parent)
  const owned = ownObserved(definition, stored, objects)
  // When customize refuses (an invalid spec) there is nothing to report: the first round shows the error.
  const rules = await customizeRules(definition, stored).catch(() => undefined)
  if (rules)
    reportIgnored(
      ignoredInputs(
        definition,
        stored,
        owned,
        requestFor(definition, { parent: stored, objects: owned, rules }),
      ),
    )
  const sim = new Simulation(definition, {
    parent: stored,
    objects: owned,
    kubelet,
    applyStrategy,
    ...(startTime && { startTime }),
  })
  const start = sim.cluster.now
  const print = (text: string) => process.stdout.write(`${text}\n`)

  let result = await sim.run({ maxRounds: deleteAfter ?? rounds })
  for (const r of result.rounds) print(formatRound(r, start))
  if (deleteAfter !== undefined && sim.parent) {
    print(`${formatResult(result)}`)
    print(
      `--delete-after ${deleteAfter}: delete ${parent.kind} ${parent.metadata.name} now, as kubectl delete would, and run until the cluster is quiet`,
    )
    for (const line of formatActions(sim.deleteParent())) print(line)
    result = await sim.run({ maxRounds: rounds })
    for (const r of result.rounds) print(formatRound(r, start))
    const more = result.rounds.length > 0 ? ` in ${result.rounds.length} more round(s)` : ''
    print(
      result.converged
        ? `cleaned up after the deletion${more}: ${result.reason}`
        : formatResult(result),
    )
  } else print(formatResult(result))
  const state = sim.objects()
  print(`--- final state (${state.length} object(s))`)
  if (state.length > 0) process.stdout.write(stateYaml(state))
  if (!result.converged) process.exitCode = 1
}

const INPUTS_NOTE = `A file of several objects needs --parent KIND/NAME (the parent, or a decorator's target); its
other objects are taken with the observed ones. Observed objects of a child type without an
owner are taken as the parent's children (as if Metacontroller had created them); other
objects are the rest of the cluster (related objects, namespaces, objects owned by others).`

export const renderCommand: Command = {
  name: 'render',
  needsProject: true,
  usage: `  metahooks render <controller> -f PARENT.yaml [--parent KIND/NAME] [--observed FILE_OR_DIR]... [--hook sync|finalize|customize]
                   [-o yaml|json] [--url URL] [--now ISO_TIME]
      One hook call, exactly as Metacontroller would make it; prints the response (yaml: the parent
      with its new status, then every desired child). --url sends it to a running server.`,
  details: INPUTS_NOTE,
  run: renderHook,
}

export const simulateCommand: Command = {
  name: 'simulate',
  needsProject: true,
  usage: `  metahooks simulate <controller> -f PARENT.yaml [--parent KIND/NAME] [--observed FILE_OR_DIR]... [--rounds N]
                   [--delete-after N] [--kubelet auto|none] [--now ISO_TIME]
                   [--apply-strategy dynamic-apply|server-side-apply]
      Run the controller against an in-memory cluster until it is quiet; print each round's
      actions and the final state. Exit 0 when it converged. --delete-after N deletes the parent
      after N rounds (or once quiet, if sooner) and runs on until what it owned is cleaned up.`,
  details: INPUTS_NOTE,
  run: simulate,
}
