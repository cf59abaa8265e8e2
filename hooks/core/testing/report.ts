import { stringify } from 'yaml'
import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import type { Rendered } from './render.ts'
import type { Action, Round, RunResult } from './simulator.ts'

const yamlDoc = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })

/**
 * YAML documents for a rendered hook call: first the parent (or decorated object) as the response
 * leaves it — status, labels, annotations applied — then every desired child.
 */
export function renderedYaml(
  definition: ControllerDefinition,
  parent: KObject,
  rendered: Rendered,
): string {
  const r = rendered.response
  if (rendered.hook === 'customize') return yamlDoc(r)
  const meta: string[] = [`# ${definition.name} ${rendered.hook}`]
  if (r.resyncAfterSeconds !== undefined) meta.push(`# resyncAfterSeconds: ${r.resyncAfterSeconds}`)
  if (r.finalized !== undefined) meta.push(`# finalized: ${r.finalized}`)
  let head: Record<string, unknown> = { ...parent }
  if (definition.type === 'decorator') {
    const patch = (current: Record<string, string> | undefined, p: unknown) => {
      const out: Record<string, string> = { ...current }
      for (const [k, v] of Object.entries((p as Record<string, string | null>) ?? {}))
        if (v === null) delete out[k]
        else out[k] = v
      return out
    }
    head = {
      ...head,
      metadata: {
        ...parent.metadata,
        labels: patch(parent.metadata.labels, r.labels),
        annotations: patch(parent.metadata.annotations, r.annotations),
      },
      ...(r.status !== null && r.status !== undefined && { status: r.status }),
    }
  } else {
    head = { ...head, status: r.status }
  }
  const children =
    ((definition.type === 'composite' ? r.children : r.attachments) as unknown[]) ?? []
  return [meta.join('\n') + '\n' + yamlDoc(head), ...children.map(yamlDoc)].join('---\n')
}

const SYMBOL: Record<Action['type'], string> = {
  created: '+',
  updated: '~',
  deleted: '-',
  recreating: '-',
  adopted: '+',
  released: '-',
  status: '~',
  labels: '~',
  annotations: '~',
  finalized: '✓',
  removed: '-',
  'garbage-collected': '-',
  conflict: '!',
  refused: '!',
  kubelet: '·',
}

export function formatActions(actions: readonly Action[], indent = '  '): string[] {
  return actions.map(
    (a) => `${indent}${SYMBOL[a.type]} ${a.type} ${a.object}${a.detail ? `: ${a.detail}` : ''}`,
  )
}

export function formatRound(round: Round, start: number): string {
  const seconds = Math.round((Date.parse(round.time) - start) / 1000)
  const head = `round ${round.index} (t+${seconds}s, ${round.hook})`
  const lines = [head, ...formatActions(round.actions)]
  if (round.error) lines.push(`  ! error ${round.error.status}: ${round.error.message}`)
  if (round.resyncAfterSeconds !== undefined)
    lines.push(`  ⏲ resyncAfterSeconds: ${round.resyncAfterSeconds}`)
  if (round.actions.length === 0 && !round.error) lines.push('  (no action)')
  return lines.join('\n')
}

export function formatResult(result: RunResult): string {
  return `${result.converged ? 'converged' : 'NOT converged'} after ${result.rounds.length} round(s): ${result.reason}`
}

/** The final objects, without the noise a reader does not need (managedFields, last-applied). */
export function stateYaml(objects: readonly KObject[]): string {
  return objects
    .map((o) => {
      const { managedFields: _mf, ...metadata } = o.metadata as Record<string, unknown>
      const annotations = { ...(metadata.annotations as Record<string, string> | undefined) }
      delete annotations['metacontroller.k8s.io/last-applied-configuration']
      const clean = {
        ...metadata,
        ...(Object.keys(annotations).length > 0 ? { annotations } : { annotations: undefined }),
      }
      if (clean.annotations === undefined) delete clean.annotations
      return yamlDoc({ ...o, metadata: clean })
    })
    .join('---\n')
}
