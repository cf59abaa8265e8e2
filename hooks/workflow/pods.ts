import type { Container, Pod } from 'kubernetes-types/core/v1'
import * as z from 'zod'
import type { KObject } from '../core/contract/objects.ts'
import { fnv32a } from '../core/k8s/hash.ts'
import { childName } from '../core/k8s/names.ts'

export { fnv32a }

/** The claim a volumeClaimTemplate becomes: `<workflow>-<name>`, shortened to fit when long. */
export const claimName = (workflow: string, claim: string) => childName({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, workflow, claim)
import type { Template } from './schema.ts'

export const MAIN = 'main'
export const NODE_LABEL = 'workflows.metahooks.dev/node'
export const WORKFLOW_LABEL = 'workflows.metahooks.dev/workflow'
export const NODE_NAME_ANNOTATION = 'workflows.metahooks.dev/node-name'

/** `<workflow>-<template>-<hash>`, cut to a valid name: the same node always gets the same Pod. */
export function podName(workflow: string, template: string, nodeName: string): string {
  const prefix = `${workflow}-${template}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 53).replace(/-+$/, '')
  return `${prefix}-${fnv32a(nodeName)}`
}

/**
 * A script runs as `<command> -c <source>` under a small sh wrapper that also writes the first
 * 4000 bytes of its stdout to the termination message: that is how `outputs.result` gets back to
 * the hook without sidecars (the image needs sh).
 */
const SCRIPT_WRAPPER = 'out=/tmp/metahooks-stdout; "$0" "$@" >"$out"; code=$?; cat "$out"; head -c 4000 "$out" >/dev/termination-log; exit $code'

export interface PodInput {
  workflow: { name: string; uid?: string }
  nodeId: string
  nodeName: string
  template: Template
  /** The template's container fields after {{…}} substitution. */
  container: Container
  script?: string
  claims: { name: string; claimName: string }[]
  serviceAccountName?: string
}

export function buildPod(input: PodInput): Pod & KObject {
  const { template } = input
  const main: Container = {
    ...input.container,
    name: MAIN,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  }
  if (input.script !== undefined) {
    main.command = ['sh', '-c', SCRIPT_WRAPPER, ...(input.container.command ?? ['sh']), '-c', input.script]
    delete main.args
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(input.workflow.name, template.name, input.nodeName),
      labels: {
        ...template.metadata?.labels,
        [NODE_LABEL]: fnv32a(input.nodeName),
        ...(input.workflow.name.length <= 63 && { [WORKFLOW_LABEL]: input.workflow.name }),
      },
      annotations: { ...template.metadata?.annotations, [NODE_NAME_ANNOTATION]: input.nodeName },
    },
    spec: {
      restartPolicy: 'Never',
      ...(input.serviceAccountName && { serviceAccountName: input.serviceAccountName }),
      ...(template.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: template.activeDeadlineSeconds }),
      containers: [main],
      ...(input.claims.length > 0 && { volumes: input.claims.map((c) => ({ name: c.name, persistentVolumeClaim: { claimName: c.claimName } })) }),
    },
  }
}

/** What the engine reads from an observed Pod (checked before the hook runs). */
export const ObservedPod = z.looseObject({
  status: z
    .looseObject({
      phase: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startTime: z.string().optional(),
      containerStatuses: z
        .array(
          z.looseObject({
            name: z.string(),
            state: z
              .looseObject({
                terminated: z.looseObject({ exitCode: z.number(), reason: z.string().optional(), message: z.string().optional(), startedAt: z.string().optional(), finishedAt: z.string().optional() }).optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
})
type Observed = z.infer<typeof ObservedPod>

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error'

export interface PodResult {
  phase: PodPhase
  startedAt?: string
  finishedAt?: string
  exitCode?: number
  message?: string
  result?: string
  parameters?: Record<string, string>
}

/** A small output travels as the termination message: JSON `{result, parameters}` or plain text. */
function parseMessage(message: string | undefined): { result?: string; parameters?: Record<string, string> } {
  if (message === undefined || message === '') return {}
  try {
    const json = JSON.parse(message) as unknown
    if (json && typeof json === 'object' && !Array.isArray(json) && ('result' in json || 'parameters' in json)) {
      const o = json as { result?: unknown; parameters?: Record<string, unknown> }
      return {
        ...(o.result !== undefined && { result: typeof o.result === 'string' ? o.result : JSON.stringify(o.result) }),
        ...(o.parameters && { parameters: Object.fromEntries(Object.entries(o.parameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) }),
      }
    }
  } catch {
    // plain text
  }
  return { result: message.replace(/\n$/, '') }
}

/**
 * The node's result from its Pod: Succeeded; Failed when the main container exited non-zero;
 * Error when the Pod failed otherwise (evicted, deadline, image never pulled); else still running.
 */
export function readPod(pod: KObject): PodResult {
  const status = (pod as Observed).status ?? {}
  const main = status.containerStatuses?.find((c) => c.name === MAIN)?.state?.terminated
  const base = { ...(status.startTime && { startedAt: status.startTime }) }
  switch (status.phase) {
    case 'Succeeded':
      return { ...base, phase: 'Succeeded', exitCode: main?.exitCode ?? 0, ...(main?.finishedAt && { finishedAt: main.finishedAt }), ...parseMessage(main?.message) }
    case 'Failed':
      if (main && main.exitCode !== 0) {
        return { ...base, phase: 'Failed', exitCode: main.exitCode, ...(main.finishedAt && { finishedAt: main.finishedAt }), message: (main.message ?? main.reason ?? `exit code ${main.exitCode}`).slice(0, 256), ...parseMessage(main.message) }
      }
      return { ...base, phase: 'Error', message: (status.message ?? status.reason ?? 'the Pod failed').slice(0, 256) }
    case 'Running':
      return { ...base, phase: 'Running' }
    default:
      return { ...base, phase: 'Pending' }
  }
}
