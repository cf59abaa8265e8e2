import type { Job } from 'kubernetes-types/batch/v1'
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1'
import type { RoleBinding } from 'kubernetes-types/rbac/v1'
import { stringify } from 'yaml'
import {
  canonicalJson,
  childName,
  condition,
  fitName,
  jobOutcome,
  labelValueOf,
  sha256Hex,
  type CompositeFinalizeResult,
  type CompositeSyncResult,
  type FinalizeContext,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import { DEFAULT_HELM_IMAGE, HELM_CLUSTER_ROLE, HelmReleaseSpec, RELEASE_NAME } from './schema.ts'

type P = Parent<HelmReleaseSpec | undefined>

const labels = (p: P) => ({
  'app.kubernetes.io/managed-by': 'metahooks',
  'helm.metahooks.dev/release': labelValueOf(p.metadata.name),
})
/** Helm's release names are DNS labels of at most 53: the HelmRelease's own name when it is one. */
const defaultRelease = (p: P) => fitName({ format: 'dns1123-label', max: 53 }, p.metadata.name)
const release = (p: P, spec: HelmReleaseSpec) => spec.releaseName ?? defaultRelease(p)
const JOB = { apiVersion: 'batch/v1', kind: 'Job' }
/** The helm ServiceAccount and its RoleBinding share a name. */
const helmAccount = (p: P) =>
  childName({ apiVersion: 'v1', kind: 'ServiceAccount' }, p.metadata.name, 'helm')
const valuesName = (p: P) =>
  childName({ apiVersion: 'v1', kind: 'ConfigMap' }, p.metadata.name, 'values')

/** The release name sync recorded in the status, for an uninstall without a valid spec. */
function recordedRelease(p: P): string {
  const recorded = (p.status as { release?: unknown } | undefined)?.release
  return RELEASE_NAME.safeParse(recorded).success ? (recorded as string) : defaultRelease(p)
}

/** The ServiceAccount the Jobs run as, allowed to manage anything in the namespace (ClusterRole admin). */
function access(parent: P): KObject[] {
  const name = helmAccount(parent)
  const sa: ServiceAccount & KObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, labels: labels(parent) },
  }
  const binding: RoleBinding & KObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, labels: labels(parent) },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: HELM_CLUSTER_ROLE,
    },
    subjects: [{ kind: 'ServiceAccount', name, namespace: parent.metadata.namespace! }],
  }
  return [sa, binding]
}

function valuesConfigMap(parent: P, spec: HelmReleaseSpec): ConfigMap & KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: valuesName(parent), labels: labels(parent) },
    data: { 'values.yaml': stringify(spec.values, { lineWidth: 0 }) },
  }
}

/** A Job running `script` with helm; `values` mounts the values ConfigMap at /values. */
function helmJob(
  parent: P,
  image: string,
  name: string,
  script: string,
  values: boolean,
): Job & KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: labels(parent) },
    spec: {
      backoffLimit: 3,
      template: {
        metadata: { labels: labels(parent) },
        spec: {
          serviceAccountName: helmAccount(parent),
          restartPolicy: 'Never',
          containers: [
            {
              name: 'helm',
              image,
              command: ['sh', '-c', script],
              ...(values && {
                volumeMounts: [{ name: 'values', mountPath: '/values', readOnly: true }],
              }),
            },
          ],
          ...(values && { volumes: [{ name: 'values', configMap: { name: valuesName(parent) } }] }),
        },
      },
    },
  }
}

/** The install Job is named after a hash of what it installs: a new spec means a new Job. */
async function installJob(parent: P, spec: HelmReleaseSpec): Promise<Job & KObject> {
  const revision = await sha256Hex(
    canonicalJson({ release: release(parent, spec), chart: spec.chart, values: spec.values }),
    10,
  )
  const c = spec.chart
  const repo = c.repository.startsWith('oci://')
    ? `${c.repository.replace(/\/+$/, '')}/${c.name}`
    : `${c.name} --repo ${c.repository}`
  const script = `helm upgrade --install ${release(parent, spec)} ${repo} --version ${c.version} --namespace ${parent.metadata.namespace} -f /values/values.yaml --wait --timeout 10m`
  return helmJob(
    parent,
    spec.helmImage,
    childName(JOB, parent.metadata.name, `install-${revision}`),
    script,
    true,
  )
}

export async function sync({
  parent,
  spec,
  children,
}: HookContext<HelmReleaseSpec>): Promise<CompositeSyncResult> {
  const job = await installJob(parent, spec)
  const state = jobOutcome(children.get('Job', job.metadata!.name!))
  const chart = `${spec.chart.name}-${spec.chart.version}`
  const ready =
    state === 'Succeeded'
      ? condition('Ready', true, 'Deployed', `${chart} is installed as ${release(parent, spec)}`)
      : state === 'Failed'
        ? condition(
            'Ready',
            false,
            'InstallFailed',
            `helm upgrade --install of ${chart} failed; see the Job's logs`,
          )
        : condition('Ready', false, 'Installing', `installing ${chart}`)
  return {
    children: [...access(parent), valuesConfigMap(parent, spec), job],
    status: { release: release(parent, spec), chart, job: job.metadata!.name, conditions: [ready] },
  }
}

/**
 * Uninstall with a Job; `finalized` only once that Job succeeded (a missing release counts as
 * removed). The uninstall needs only the release name — the spec's, else the one sync recorded —
 * so it runs without a valid spec too. In a namespace being deleted no Job can be created: the
 * release and Helm's records of it go with the namespace, so there is nothing left to do.
 */
export function finalize({
  parent,
  spec,
  children,
  namespaceTerminating,
}: FinalizeContext<HelmReleaseSpec>): CompositeFinalizeResult {
  const r = spec ? release(parent, spec) : recordedRelease(parent)
  if (namespaceTerminating) {
    return {
      children: [],
      status: {
        release: r,
        conditions: [condition('Ready', false, 'NamespaceDeleted', `${r} goes with its namespace`)],
      },
      finalized: true,
    }
  }
  const name = childName(JOB, parent.metadata.name, 'uninstall')
  const ns = parent.metadata.namespace
  const job = helmJob(
    parent,
    spec?.helmImage ?? DEFAULT_HELM_IMAGE,
    name,
    `if helm status ${r} --namespace ${ns} >/dev/null 2>&1; then helm uninstall ${r} --namespace ${ns} --wait; fi`,
    false,
  )
  const state = jobOutcome(children.get('Job', name))
  return {
    children: state === 'Succeeded' ? [] : [...access(parent), job],
    status: {
      release: r,
      conditions: [
        condition(
          'Ready',
          false,
          state === 'Failed' ? 'UninstallFailed' : 'Uninstalling',
          state === 'Failed'
            ? `helm uninstall ${r} failed; see the Job's logs`
            : `uninstalling ${r}`,
        ),
      ],
    },
    finalized: state === 'Succeeded',
  }
}
