import * as z from 'zod'
import { passthrough, passthroughList, refusingObject } from 'metahooks'

/**
 * A template's container as Argo takes it: a Kubernetes container. Argo names it `main` itself; the
 * Kubernetes-typed fields pass through (the built Pod is checked against the Kubernetes schema).
 */

const EnvVar = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: passthrough('an EnvVarSource').optional(),
})
const VolumeMount = z.looseObject({
  name: z.string().min(1),
  mountPath: z.string().startsWith('/'),
})

export const ContainerFields = {
  name: z.string().optional().describe('ignored: the container is always named main, as in Argo'),
  image: z
    .string()
    .regex(/^\S+$/, { message: 'must be an image reference without whitespace' })
    .optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(EnvVar).optional(),
  envFrom: passthroughList('EnvFromSources').optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  volumeDevices: passthroughList('VolumeDevices').optional(),
  resources: passthrough('ResourceRequirements').optional(),
  ports: passthroughList('ContainerPorts').optional(),
  securityContext: passthrough('a container SecurityContext').optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  livenessProbe: passthrough('a Probe').optional(),
  readinessProbe: passthrough('a Probe').optional(),
  startupProbe: passthrough('a Probe').optional(),
  lifecycle: passthrough('a Lifecycle').optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
}

/** Fields the executor owns: its termination message is how outputs come back. */
const EXECUTOR_OWNED = {
  terminationMessagePath: 'terminationMessagePath (the executor writes the termination message)',
  terminationMessagePolicy:
    'terminationMessagePolicy (the executor writes the termination message)',
}

export const Container = refusingObject('a container', ContainerFields, EXECUTOR_OWNED)
export const Script = refusingObject(
  'a script',
  { ...ContainerFields, source: z.string().min(1) },
  EXECUTOR_OWNED,
)
/** Argo's sidecars and initContainers: named containers, optionally with the main container's volume mounts. */
export const UserContainer = refusingObject(
  'a container',
  { ...ContainerFields, name: z.string().min(1), mirrorVolumeMounts: z.boolean().optional() },
  EXECUTOR_OWNED,
)

/** Argo's containerSet: containers of one Pod, each started once those it depends on ended well. */
export const ContainerSet = refusingObject('a containerSet', {
  containers: z
    .array(
      refusingObject(
        'a containerSet container',
        {
          ...ContainerFields,
          name: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
              message: 'must be a DNS label (a container name)',
            })
            .max(63),
          dependencies: z.array(z.string()).optional(),
        },
        EXECUTOR_OWNED,
      ),
    )
    .min(1),
  volumeMounts: z.array(VolumeMount).optional(),
  retryStrategy: refusingObject('a containerSet retryStrategy', {
    retries: z.union([
      z.number().int().min(0),
      z.string().regex(/^\d+$/, { message: 'must be a whole number' }).transform(Number),
    ]),
    duration: z
      .string()
      .regex(/^(\d+(\.\d+)?(ms|s|m|h))+$|^\d+$/, {
        message: 'must be a duration such as 1s or 500ms',
      })
      .optional(),
  }).optional(),
})

export type ContainerSpec = z.output<typeof Container>
export type UserContainerSpec = z.output<typeof UserContainer>

/** Pod-level fields a template may set (Argo's Template). */
export const TemplatePodFields = {
  nodeSelector: z.record(z.string(), z.string()).optional(),
  affinity: passthrough('an Affinity').optional(),
  tolerations: passthroughList('Tolerations').optional(),
  volumes: passthroughList('Volumes').optional(),
  initContainers: z.array(UserContainer).optional(),
  sidecars: z.array(UserContainer).optional(),
  securityContext: passthrough('a PodSecurityContext').optional(),
  serviceAccountName: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  priorityClassName: z.string().optional(),
  schedulerName: z.string().optional(),
  hostAliases: passthroughList('HostAliases').optional(),
  podSpecPatch: z
    .string()
    .optional()
    .describe('a JSON or YAML patch merged onto the built Pod spec (containers merged by name)'),
}

/** Pod-level fields a workflow sets for all its Pods (Argo's WorkflowSpec). */
export const WorkflowPodFields = {
  nodeSelector: TemplatePodFields.nodeSelector,
  affinity: TemplatePodFields.affinity,
  tolerations: TemplatePodFields.tolerations,
  volumes: TemplatePodFields.volumes,
  securityContext: TemplatePodFields.securityContext,
  serviceAccountName: TemplatePodFields.serviceAccountName,
  automountServiceAccountToken: TemplatePodFields.automountServiceAccountToken,
  schedulerName: TemplatePodFields.schedulerName,
  hostAliases: TemplatePodFields.hostAliases,
  podSpecPatch: TemplatePodFields.podSpecPatch,
  imagePullSecrets: passthroughList('LocalObjectReferences').optional(),
  hostNetwork: z.boolean().optional(),
  dnsPolicy: z.enum(['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']).optional(),
  dnsConfig: passthrough('a PodDNSConfig').optional(),
  podPriorityClassName: z.string().optional(),
  podMetadata: z
    .object({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
}
