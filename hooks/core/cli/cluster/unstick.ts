import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import type { KObject } from '../../contract/objects.ts'
import { UsageError, type Command, type Project } from '../command.ts'
import { CLUSTER_OPTIONS, Kube, pathOf, type TypeInfo } from './kube.ts'

/** Metacontroller's finalizers: metacontroller.io/compositecontroller-<name>, …/decoratorcontroller-<name>. */
const METACONTROLLER_FINALIZER = 'metacontroller.io/'

/**
 * The types Metacontroller puts finalizers on — parents and decorated objects of controllers with a
 * finalize hook — named by kind, plural, singular or short name.
 */
export function finalizedType(project: Project, name: string): TypeInfo {
  const wanted = name.toLowerCase()
  const types = project.controllers
    .filter((d) => d.finalize)
    .flatMap((d) =>
      d.type === 'composite'
        ? [
            {
              apiVersion: d.parent.apiVersion,
              kind: d.parent.kind,
              resource: d.parent.plural,
              scope: d.parent.scope,
              names: [d.parent.singular, ...(d.parent.shortNames ?? [])],
            },
          ]
        : d.resources.map((r) => ({ ...r, names: [] as string[] })),
    )
  const found = types.find((t) => [t.kind.toLowerCase(), t.resource, ...t.names].includes(wanted))
  if (!found)
    throw new UsageError(
      `no controller with a finalize hook has a parent or decorated type named "${name}" (those that do: ${[...new Set(types.map((t) => t.kind))].join(', ')})`,
    )
  return {
    apiVersion: found.apiVersion,
    kind: found.kind,
    resource: found.resource,
    scope: found.scope,
  }
}

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

async function unstick(args: string[], project: Project): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...CLUSTER_OPTIONS,
      namespace: { type: 'string', short: 'n' },
      yes: { type: 'boolean', short: 'y' },
    },
  })
  const [target] = positionals
  const [kind, name] = target?.split('/') ?? []
  if (positionals.length !== 1 || !kind || !name)
    throw new UsageError('unstick needs KIND/NAME (e.g. unstick workflow/nightly -n ci)')
  const type = finalizedType(project, kind)
  const namespace = type.scope === 'Namespaced' ? (values.namespace ?? 'default') : undefined
  const what = `${type.kind} ${namespace ? `${namespace}/` : ''}${name}`
  const kube = await Kube.connect(values)
  const path = pathOf(type, namespace, name)
  const object = await kube.get<
    KObject & { metadata: { finalizers?: string[]; deletionTimestamp?: string } }
  >(path)
  if (!object) throw new Error(`${what} not found in ${kube.contextName}`)
  const finalizers = object.metadata.finalizers ?? []
  const stranded = finalizers.filter((f) => f.startsWith(METACONTROLLER_FINALIZER))
  if (stranded.length === 0)
    throw new Error(
      `${what} has no Metacontroller finalizer (its finalizers: ${finalizers.join(', ') || 'none'})`,
    )
  if (!object.metadata.deletionTimestamp)
    throw new Error(
      `${what} is not being deleted: Metacontroller would add ${stranded.join(', ')} back; delete it first and unstick it only if it stays`,
    )
  console.log(
    `${what} has been deleting since ${object.metadata.deletionTimestamp}, held by ${stranded.join(', ')}.`,
  )
  console.log(
    "Removing it skips the controller's finalize hook: whatever it had not cleaned up yet stays in the cluster.",
  )
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError('not a terminal: pass --yes to remove the finalizer without asking')
    if (!(await confirmed(`remove ${stranded.join(', ')} from ${what}? [y/N] `)))
      throw new Error('nothing changed')
  }
  const remaining = finalizers.filter((f) => !f.startsWith(METACONTROLLER_FINALIZER))
  // The test makes the patch fail (409/422) if the finalizers changed since we read them.
  await kube.request(
    'PATCH',
    path,
    [
      { op: 'test', path: '/metadata/finalizers', value: finalizers },
      { op: 'replace', path: '/metadata/finalizers', value: remaining },
    ],
    'application/json-patch+json',
  )
  console.log(`removed ${stranded.join(', ')} from ${what}`)
}

export const unstickCommand: Command = {
  name: 'unstick',
  needsProject: true,
  usage: `  metahooks unstick KIND/NAME [-n NAMESPACE] [--yes] [--context NAME] [--kubeconfig FILE]
      Remove the Metacontroller finalizer holding a parent (or decorated object) that is being
      deleted when its finalize hook can no longer succeed; asks first unless --yes.`,
  run: unstick,
}
