import * as z from 'zod'

/**
 * Workflow (workflows.metahooks.dev/v1alpha1): an Argo-style workflow, run by one stateless sync
 * hook. Field names follow Argo's where the feature is the same.
 */

const Name = z.string().regex(/^[a-zA-Z0-9][-a-zA-Z0-9_]*$/, { message: 'must be letters, digits, "-" or "_"' }).max(63)
const Duration = z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$|^\d+$/, { message: 'must be a duration such as 30s, 5m or 1h30m (or whole seconds)' })

const Parameter = z.object({
  name: Name,
  value: z.string().optional(),
  default: z.string().optional(),
  description: z.string().optional(),
})
export type Parameter = z.output<typeof Parameter>

const Arguments = z.object({ parameters: z.array(z.object({ name: Name, value: z.string() })).default([]) })

const EnvVar = z.object({ name: z.string().min(1), value: z.string().default('') })
const VolumeMount = z.object({ name: Name, mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional(), subPath: z.string().optional() })
const Resources = z.object({ requests: z.record(z.string(), z.string()).optional(), limits: z.record(z.string(), z.string()).optional() })

const ContainerFields = {
  image: z.string().regex(/^\S+$/, { message: 'must be an image reference without whitespace' }),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(EnvVar).optional(),
  workingDir: z.string().optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  resources: Resources.optional(),
}
const Container = z.object(ContainerFields)
const Script = z.object({ ...ContainerFields, source: z.string().min(1) })

const RetryStrategy = z.object({
  limit: z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]).default(0),
  retryPolicy: z.enum(['Always', 'OnFailure', 'OnError']).default('OnFailure'),
  backoff: z
    .object({
      duration: Duration.default('0s'),
      factor: z.number().min(1).default(1),
      maxDuration: Duration.optional(),
      cap: Duration.optional(),
    })
    .optional(),
})
export type RetryStrategy = z.output<typeof RetryStrategy>

const Sequence = z.object({
  count: z.union([z.number().int().min(0), z.string()]).optional(),
  start: z.union([z.number().int(), z.string()]).optional(),
  end: z.union([z.number().int(), z.string()]).optional(),
  format: z.string().optional(),
})

const LoopFields = {
  // Strings, numbers or objects: left open in the CRD (x-kubernetes-preserve-unknown-fields).
  withItems: z.array(z.unknown()).optional(),
  withSequence: Sequence.optional(),
  withParam: z.string().optional(),
}

const ContinueOn = z.object({ error: z.boolean().optional(), failed: z.boolean().optional() })

const Step = z.object({
  name: Name,
  template: Name,
  arguments: Arguments.optional(),
  when: z.string().optional(),
  continueOn: ContinueOn.optional(),
  ...LoopFields,
})
export type Step = z.output<typeof Step>

const Task = z.object({
  name: Name,
  template: Name,
  arguments: Arguments.optional(),
  dependencies: z.array(Name).optional(),
  depends: z.string().optional(),
  when: z.string().optional(),
  continueOn: ContinueOn.optional(),
  ...LoopFields,
})
export type Task = z.output<typeof Task>

const Outputs = z.object({
  parameters: z.array(z.object({ name: Name, valueFrom: z.object({ default: z.string().optional() }).optional() })).optional(),
})

export const Template = z.object({
  name: Name,
  inputs: z.object({ parameters: z.array(Parameter).default([]) }).optional(),
  outputs: Outputs.optional(),
  container: Container.optional(),
  script: Script.optional(),
  steps: z.array(z.array(Step).min(1)).min(1).optional(),
  dag: z.object({ tasks: z.array(Task).min(1).max(5000), target: z.string().optional(), failFast: z.boolean().default(true) }).optional(),
  suspend: z.object({ duration: Duration.optional() }).optional(),
  retryStrategy: RetryStrategy.optional(),
  activeDeadlineSeconds: z.number().int().min(1).optional(),
  parallelism: z.number().int().min(1).optional(),
  metadata: z.object({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
})
export type Template = z.output<typeof Template>

export const WorkflowSpec = z.object({
  entrypoint: Name,
  templates: z.array(Template).min(1),
  arguments: Arguments.optional(),
  onExit: Name.optional(),
  parallelism: z.number().int().min(1).optional(),
  activeDeadlineSeconds: z.number().int().min(1).optional(),
  retryStrategy: RetryStrategy.optional(),
  suspend: z.boolean().optional().describe('true pauses scheduling of new steps; false (or removing it) resumes.'),
  resume: z.array(z.string()).optional().describe('Names of suspend nodes to resume (their displayName).'),
  shutdown: z.enum(['Stop', 'Terminate']).optional(),
  podGC: z.object({ strategy: z.enum(['OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess']) }).optional(),
  volumeClaimTemplates: z
    .array(z.object({ metadata: z.object({ name: Name }), spec: z.record(z.string(), z.unknown()) }))
    .optional(),
  serviceAccountName: z.string().optional(),
})
export type WorkflowSpec = z.output<typeof WorkflowSpec>

/**
 * What the engine reads back from its own status (its memory of every node). A status that does
 * not have this shape — edited by hand, or written by something else — is refused (422) rather than
 * read: guessing could start finished tasks again.
 */
const NodeRecord = z.looseObject({
  name: z.string(),
  displayName: z.string(),
  type: z.enum(['Pod', 'Steps', 'StepGroup', 'DAG', 'TaskGroup', 'Retry', 'Skipped', 'Suspend']),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  children: z.array(z.string()).optional(),
  outputs: z
    .looseObject({ result: z.string().optional(), parameters: z.record(z.string(), z.string()).optional(), exitCode: z.number().optional() })
    .optional(),
  message: z.string().optional(),
})

export const WorkflowObservedStatus = z.looseObject({
  nodes: z.record(z.string(), NodeRecord).optional(),
  phase: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
})
