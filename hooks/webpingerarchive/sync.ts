import type { Job } from 'kubernetes-types/batch/v1'
import {
  childName,
  condition,
  jobOutcome,
  type CompositeSyncResult,
  type CustomizeContext,
  type HookContext,
  type KObject,
  type Parent,
  type RelatedResourceRule,
} from 'metahooks'
import type { WebPingerArchiveSpec } from './schema.ts'

type P = Parent<WebPingerArchiveSpec>

const pingerLabels = (target: string) => ({ app: 'web-ping', target })

/** The pinger's Service, wherever it is in this namespace: found by its labels, as the book did. */
export function customize({
  parent,
  spec,
}: CustomizeContext<WebPingerArchiveSpec>): RelatedResourceRule[] {
  return [
    {
      apiVersion: 'v1',
      resource: 'services',
      namespace: parent.metadata.namespace!,
      labelSelector: { matchLabels: pingerLabels(spec.target) },
    },
  ]
}

/** `wpa-<name>-<yyMMdd-HHmm of the archive's creation>`, as the book named it (shortened to fit a Job's 63); stable for the archive's life. */
export function jobName(parent: P): string {
  const created = parent.metadata.creationTimestamp
  const stamp =
    typeof created === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(created)
      ? [
          `${created.slice(2, 4)}${created.slice(5, 7)}${created.slice(8, 10)}-${created.slice(11, 13)}${created.slice(14, 16)}`,
        ]
      : []
  return childName({ apiVersion: 'batch/v1', kind: 'Job' }, 'wpa', parent.metadata.name, ...stamp)
}

export function desiredJob(
  parent: P,
  spec: WebPingerArchiveSpec,
  serviceName: string,
): Job & KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(parent), labels: { kiamol: 'ch20' } },
    spec: {
      completions: 1,
      template: {
        metadata: { labels: { app: 'web-ping-archive', target: spec.target } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'archiver',
              image: 'kiamol/ch20-web-ping-archiver',
              env: [{ name: 'WEB_PING_URL', value: `http://${serviceName}:8080/archive` }],
            },
          ],
        },
      },
    },
  }
}

function jobStatus(job: KObject | undefined) {
  const outcome = jobOutcome(job)
  if (outcome === 'Succeeded')
    return condition('Ready', true, 'Archived', "the log was archived; see the Job's Pod log")
  if (outcome === 'Failed')
    return condition('Ready', false, 'ArchiveFailed', 'the archive Job failed')
  return condition('Ready', false, 'Archiving', 'the archive Job is running')
}

/**
 * Creates the archive Job once the pinger's Service exists; until then it waits and says so (the
 * book's controller gave up silently). A Job once created is kept: it is the archive.
 */
export function sync({
  parent,
  spec,
  children,
  related,
}: HookContext<WebPingerArchiveSpec>): CompositeSyncResult {
  const existing = children.get('Job', jobName(parent))
  const service = related
    .list('Service')
    .find((s) => s.metadata.namespace === parent.metadata.namespace)
  // The status is the memo of which Service the Job was made for: the Service may be gone since.
  const remembered = typeof parent.status?.service === 'string' ? parent.status.service : undefined
  if (existing) {
    const serviceName = remembered ?? service?.metadata.name ?? 'unknown'
    return {
      children: [desiredJob(parent, spec, serviceName)],
      status: { job: jobName(parent), service: serviceName, conditions: [jobStatus(existing)] },
    }
  }
  if (!service) {
    const selector = Object.entries(pingerLabels(spec.target))
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    return {
      children: [],
      status: {
        conditions: [
          condition(
            'Ready',
            false,
            'WaitingForPinger',
            `no Service labelled ${selector} in ${parent.metadata.namespace}`,
          ),
        ],
      },
    }
  }
  const serviceName = service.metadata.name
  return {
    children: [desiredJob(parent, spec, serviceName)],
    status: {
      job: jobName(parent),
      service: serviceName,
      conditions: [condition('Ready', false, 'Archiving', 'creating the archive Job')],
    },
  }
}
