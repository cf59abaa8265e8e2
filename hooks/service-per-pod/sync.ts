import type { Service } from 'kubernetes-types/core/v1'
import {
  childName,
  labelValueOf,
  type DecoratorFinalizeResult,
  type DecoratorSyncResult,
  type FinalizeContext,
  type HookContext,
  type KObject,
} from 'metahooks'
import { LABEL_ANNOTATION, PORTS_ANNOTATION, type ServicePerPodObject } from './schema.ts'

/** One Service per Pod ordinal, selecting that Pod by its own name under the configured label. */
export function sync({ parent, spec }: HookContext<ServicePerPodObject>): DecoratorSyncResult {
  const labelKey = spec.metadata.annotations[LABEL_ANNOTATION]
  const ports = spec.metadata.annotations[PORTS_ANNOTATION]
  const services = Array.from({ length: spec.spec.replicas }, (_, i): Service & KObject => {
    const pod = `${parent.metadata.name}-${i}`
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: childName({ apiVersion: 'v1', kind: 'Service' }, parent.metadata.name, String(i)),
        labels: {
          'app.kubernetes.io/managed-by': 'metahooks',
          'service-per-pod.metahooks.dev/statefulset': labelValueOf(parent.metadata.name),
        },
      },
      // The Pod's name as a label value, as pod-name-label writes it (hashed past 63 characters).
      spec: {
        selector: { [labelKey]: labelValueOf(pod) },
        ports: ports.map((p) => ({
          name: `port-${p.port}`,
          port: p.port,
          targetPort: p.targetPort,
        })),
      },
    }
  })
  return { attachments: services }
}

/** The Services go first; the StatefulSet is released only once none is observed. Needs nothing of the opt-in annotations, whose removal is what calls this. */
export function finalize({
  children,
}: FinalizeContext<ServicePerPodObject>): DecoratorFinalizeResult {
  return { attachments: [], finalized: children.list('Service').length === 0 }
}
