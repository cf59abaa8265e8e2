import * as z from 'zod'
import { intOrString, labelSelector, numberOrString, refusingObject } from 'metahooks'
import { DURATION, DURATION_HINT } from './nodes.ts'
import {
  Container,
  ContainerSet,
  Script,
  TemplatePodFields,
  WorkflowPodFields,
} from './container-schema.ts'
import { Artifact, ArtifactRepositoryRef } from './artifact-schema.ts'

/**
 * Workflow (workflows.metahooks.dev/v1alpha1): an Argo-style workflow, run by one stateless sync
 * hook. Field names follow Argo's where the feature is the same.
 */

const Name = z
  .string()
  .regex(/^[a-zA-Z0-9][-a-zA-Z0-9_]*$/, { message: 'must be letters, digits, "-" or "_"' })
  .max(63)
const Duration = z.string().regex(DURATION, { message: DURATION_HINT })
/** Argo's parameter values are strings, but YAML numbers and booleans are taken as their text. */
const AnyString = z.union([z.string(), z.number()]).transform(String)

/** Argo features a later version brings: kept by the CRD, refused by the hook naming the feature. */
const LATER = {
  memoize:
    'memoization (its cache must outlive the workflows that share it, and a hook can only create objects its own Workflow owns, which go when it goes)',
  data: 'data templates',
  plugin: 'plugin templates',
  archiveLocation: 'archiveLocation (artifacts)',
  artifactGC: 'artifactGC (artifacts)',
  archiveLogs: 'archiveLogs (artifacts)',
  executor: 'executor (a service account for the executor)',
  ttlStrategy: 'ttlStrategy (a hook cannot delete its own parent; use a TTL controller)',
  volumeClaimGC: 'volumeClaimGC',
  podDisruptionBudget: 'podDisruptionBudget',
  workflowMetadata: 'workflowMetadata',
  priority: 'priority (deprecated in Argo)',
  podPriority: 'podPriority (deprecated in Argo)',
  jqFilter: 'valueFrom.jqFilter',
  event: 'valueFrom.event',
} as const
const later = (...keys: (keyof typeof LATER)[]) =>
  Object.fromEntries(keys.map((k) => [k, LATER[k]]))

const ConfigMapKeyRef = z.object({
  name: z.string().min(1),
  key: z.string().min(1),
  optional: z.boolean().optional(),
})

const InputParameter = refusingObject('an input parameter', {
  name: Name,
  value: AnyString.optional(),
  default: AnyString.optional(),
  description: z.string().optional(),
  enum: z.array(AnyString).optional(),
  globalName: z.string().optional(),
  valueFrom: refusingObject(
    'an input valueFrom',
    {
      configMapKeyRef: ConfigMapKeyRef.optional(),
      default: AnyString.optional(),
      supplied: z.object({}).optional(),
    },
    later('jqFilter', 'event'),
  ).optional(),
})
export type Parameter = z.output<typeof InputParameter>

const OutputParameter = refusingObject('an output parameter', {
  name: Name,
  value: AnyString.optional(),
  description: z.string().optional(),
  globalName: z.string().optional(),
  valueFrom: refusingObject(
    'an output valueFrom',
    {
      path: z.string().startsWith('/').optional(),
      default: AnyString.optional(),
      expression: z.string().optional(),
      parameter: z.string().optional(),
      jsonPath: z.string().optional(),
      supplied: z.object({}).optional(),
      configMapKeyRef: ConfigMapKeyRef.optional(),
    },
    later('jqFilter', 'event'),
  ).optional(),
})
export type OutputParameter = z.output<typeof OutputParameter>

const Arguments = refusingObject('arguments', {
  parameters: z.array(InputParameter).default([]),
  artifacts: z.array(Artifact).optional(),
})

const RetryStrategy = refusingObject('a retryStrategy', {
  limit: intOrString()
    .optional()
    .describe('attempts after the first; without a limit, retries go on'),
  retryPolicy: z.enum(['Always', 'OnFailure', 'OnError', 'OnTransientError']).default('OnFailure'),
  backoff: refusingObject('a backoff', {
    duration: Duration.default('0s'),
    factor: numberOrString().default(1),
    maxDuration: Duration.optional(),
    cap: Duration.optional(),
  }).optional(),
  expression: z.string().optional(),
  affinity: z.object({ nodeAntiAffinity: z.object({}).optional() }).optional(),
})
export type RetryStrategy = z.output<typeof RetryStrategy>

const Sequence = refusingObject('a withSequence', {
  count: AnyString.optional(),
  start: AnyString.optional(),
  end: AnyString.optional(),
  format: z.string().optional(),
})

const LoopFields = {
  // Strings, numbers or objects: left open in the CRD (x-kubernetes-preserve-unknown-fields).
  withItems: z.array(z.unknown()).optional(),
  withSequence: Sequence.optional(),
  withParam: z.string().optional(),
}

const ContinueOn = z.object({ error: z.boolean().optional(), failed: z.boolean().optional() })

/** A template of a WorkflowTemplate (or, with clusterScope, a ClusterWorkflowTemplate). */
const TemplateRef = refusingObject('a templateRef', {
  name: z.string().min(1).max(253),
  template: Name,
  clusterScope: z.boolean().optional(),
})
export type TemplateRef = z.output<typeof TemplateRef>

/**
 * Argo's LifecycleHook: a template run at most once, when its `expression` first holds — or, for
 * the hook named `exit`, when the step, task or workflow it is attached to ends (an exit handler
 * with arguments).
 */
const LifecycleHook = refusingObject('a lifecycle hook', {
  template: Name.optional(),
  templateRef: TemplateRef.optional(),
  arguments: Arguments.optional(),
  expression: z.string().optional(),
})
export type LifecycleHook = z.output<typeof LifecycleHook>
const Hooks = z.record(
  z
    .string()
    .regex(/^[a-zA-Z0-9][-a-zA-Z0-9_]*$/, { message: 'a hook name is letters, digits, "-" or "_"' })
    .max(63),
  LifecycleHook,
)

const CallFields = {
  name: Name,
  template: Name.optional(),
  /** A template written in place (Argo's `inline`); parsed as a Template when the workflow is read. */
  inline: z.looseObject({}).optional(),
  arguments: Arguments.optional(),
  when: z.string().optional(),
  continueOn: ContinueOn.optional(),
  onExit: Name.optional(),
  hooks: Hooks.optional(),
  templateRef: TemplateRef.optional(),
  ...LoopFields,
}

const Step = refusingObject('a step', CallFields)
export type Step = z.output<typeof Step> & { inlineTemplate?: Template }

const Task = refusingObject('a DAG task', {
  ...CallFields,
  dependencies: z.array(Name).optional(),
  depends: z.string().optional(),
})
export type Task = z.output<typeof Task> & { inlineTemplate?: Template }

const Outputs = refusingObject(
  'outputs',
  { parameters: z.array(OutputParameter).optional(), artifacts: z.array(Artifact).optional() },
  {
    result: 'outputs.result (set by the engine, not the spec)',
    exitCode: 'outputs.exitCode (set by the engine)',
  },
)

/** Argo's resource template: kubectl in a Pod (hooks/workflow/resource.ts). */
const Resource = refusingObject('a resource', {
  action: z.enum(['get', 'create', 'apply', 'delete', 'replace', 'patch']),
  manifest: z.string().optional(),
  mergeStrategy: z.enum(['strategic', 'merge', 'json']).optional(),
  successCondition: z.string().optional(),
  failureCondition: z.string().optional(),
  setOwnerReference: z.boolean().optional(),
  flags: z.array(z.string()).optional(),
  manifestFrom: refusingObject('a manifestFrom', {
    artifact: z.object({ name: z.string().min(1) }),
  }).optional(),
})

/** Argo's http template: curl in a Pod, the phase decided by the hook (hooks/workflow/http.ts). */
const HttpHeader = refusingObject('an http header', {
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: refusingObject('a header valueFrom', {
    secretKeyRef: z.object({ name: z.string().min(1), key: z.string().min(1) }),
  }).optional(),
})
const Http = refusingObject('an http template', {
  url: z.string().min(1),
  method: z
    .string()
    .regex(/^[A-Z]+$/, { message: 'is an HTTP method in capitals (GET, POST, …)' })
    .optional(),
  headers: z.array(HttpHeader).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  body: z.string().optional(),
  bodyFrom: z.object({ bytes: z.string().optional() }).optional(),
  successCondition: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
})

const Metadata = z.object({
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
})

/** Argo's synchronization (a workflow's or a template's): mutexes (one holder) and semaphores (a limit read from a ConfigMap key). */
const LockNamespace = z
  .string()
  .optional()
  .describe("the workflow's own namespace (locks in other namespaces are not supported)")
const Mutex = refusingObject(
  'a mutex',
  { name: z.string().min(1).max(253), namespace: LockNamespace },
  { database: 'database-backed locks' },
)
const Semaphore = refusingObject(
  'a semaphore',
  { configMapKeyRef: ConfigMapKeyRef, namespace: LockNamespace },
  { database: 'database-backed locks' },
)
export const Synchronization = refusingObject('synchronization', {
  mutexes: z.array(Mutex).optional(),
  mutex: Mutex.optional(),
  semaphores: z.array(Semaphore).optional(),
  semaphore: Semaphore.optional(),
})
export type Synchronization = z.output<typeof Synchronization>

const TemplateFields = {
  name: Name,
  inputs: refusingObject('inputs', {
    parameters: z.array(InputParameter).default([]),
    artifacts: z.array(Artifact).optional(),
  }).optional(),
  outputs: Outputs.optional(),
  metadata: Metadata.optional(),
  container: Container.optional(),
  script: Script.optional(),
  steps: z.array(z.array(Step).min(1)).min(1).optional(),
  dag: refusingObject('a dag', {
    tasks: z.array(Task).min(1).max(10_000),
    target: z.string().optional(),
    failFast: z.boolean().default(true),
  }).optional(),
  suspend: refusingObject('a suspend', { duration: z.string().optional() }).optional(),
  resource: Resource.optional(),
  http: Http.optional(),
  containerSet: ContainerSet.optional(),
  retryStrategy: RetryStrategy.optional(),
  activeDeadlineSeconds: intOrString().optional(),
  timeout: z.string().optional(),
  parallelism: z.number().int().min(1).optional(),
  failFast: z.boolean().optional(),
  synchronization: Synchronization.optional(),
  daemon: z
    .boolean()
    .optional()
    .describe(
      'run the Pod in the background: what comes after starts once it is Ready, and it is stopped when its steps or DAG end',
    ),
  metrics: z
    .looseObject({})
    .optional()
    .describe('accepted; the hook emits no workflow metrics (docs/workflow.md)'),
  ...TemplatePodFields,
}
const TEMPLATE_LATER = {
  ...later('data', 'plugin', 'archiveLocation', 'memoize', 'executor', 'priority'),
}

export const Template = refusingObject('a template', TemplateFields, TEMPLATE_LATER)
export type Template = z.output<typeof Template>
/** templateDefaults: any template field, merged under every template. */
export const TemplateDefaults = refusingObject(
  'templateDefaults',
  Object.fromEntries(
    Object.entries(TemplateFields).map(([k, v]) => [k, (v as z.ZodType).optional()]),
  ) as { [K in keyof typeof TemplateFields]: z.ZodOptional<(typeof TemplateFields)[K]> },
  TEMPLATE_LATER,
)

const PodGC = refusingObject('a podGC', {
  strategy: z
    .enum([
      'OnPodCompletion',
      'OnPodSuccess',
      'OnWorkflowCompletion',
      'OnWorkflowSuccess',
      'OnPodNone',
    ])
    .optional(),
  labelSelector: labelSelector().optional(),
  deleteDelayDuration: Duration.optional(),
})

export const WorkflowSpec = refusingObject(
  'a workflow spec',
  {
    entrypoint: Name.optional().describe('required unless a workflowTemplateRef gives it'),
    templates: z.array(Template).default([]),
    workflowTemplateRef: refusingObject('a workflowTemplateRef', {
      name: z.string().min(1).max(253),
      clusterScope: z.boolean().optional(),
    }).optional(),
    arguments: Arguments.optional(),
    onExit: Name.optional(),
    hooks: Hooks.optional(),
    artifactRepositoryRef: ArtifactRepositoryRef.optional(),
    synchronization: Synchronization.optional(),
    priority: z
      .number()
      .int()
      .optional()
      .describe('the turn for a lock (higher first), as in Argo'),
    parallelism: z.number().int().min(1).optional(),
    activeDeadlineSeconds: intOrString().optional(),
    retryStrategy: RetryStrategy.optional(),
    suspend: z
      .boolean()
      .optional()
      .describe('true pauses scheduling of new steps; false (or removing it) resumes.'),
    resume: z
      .array(z.string())
      .optional()
      .describe('Names of suspend nodes to resume (their displayName).'),
    suppliedParameters: z
      .record(z.string(), z.record(z.string(), z.string()))
      .optional()
      .describe(
        "Values for a suspend node's valueFrom.supplied outputs, by node displayName then parameter (Argo's `argo node set`).",
      ),
    shutdown: z.enum(['Stop', 'Terminate']).optional(),
    podGC: PodGC.optional(),
    volumeClaimTemplates: z
      .array(
        z.object({ metadata: z.object({ name: Name }), spec: z.record(z.string(), z.unknown()) }),
      )
      .optional(),
    templateDefaults: z
      .looseObject({})
      .optional()
      .describe('template fields merged under every template'),
    metrics: z
      .looseObject({})
      .optional()
      .describe('accepted; the hook emits no workflow metrics (docs/workflow.md)'),
    ...WorkflowPodFields,
  },
  later(
    'artifactGC',
    'archiveLogs',
    'executor',
    'ttlStrategy',
    'volumeClaimGC',
    'podDisruptionBudget',
    'workflowMetadata',
    'podPriority',
  ),
)
export type WorkflowSpec = z.output<typeof WorkflowSpec>
