import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Container } from 'kubernetes-types/core/v1'
import { artifactContainers, type ArtifactTransfer } from '../../hooks/workflow/artifact-pod.ts'
import {
  executorInit,
  wrap,
  type ExecutorResult,
  type PackedArtifact,
} from '../../hooks/workflow/executor.ts'
import { readTerminationMessage } from '../../hooks/workflow/executor-message.ts'
import { runContainerAsync, startContainer, type LocalRun } from './local-kubelet.ts'

/**
 * One Pod with artifacts, run for real on this machine the way the kubelet would: the executor's
 * init containers in order, input artifacts "mounted" at their paths (a symlink stands for the
 * subPath bind mount), the artifacts sidecar in the background, then main; the sidecar is stopped
 * with SIGTERM once main ends. Claims are directories shared by the Pods of one test.
 */
export interface ArtifactPod {
  /** A fresh directory for this Pod (its executor volume is `<dir>/exec`). */
  dir: string
  argv: string[]
  inputs?: (ArtifactTransfer & { path: string })[]
  outputs?: (ArtifactTransfer & PackedArtifact)[]
  /** claimName → the directory standing for the PersistentVolumeClaim. */
  claims?: Record<string, string>
  secrets?: LocalRun['secrets']
  programs?: LocalRun['programs']
  /** PATH and the like, as the images give them. */
  env?: LocalRun['env']
}

export interface ArtifactPodRun {
  /** Why an init container failed (its termination message), if one did. */
  initFailure?: string
  exitCode?: number | null
  result?: ExecutorResult
  main?: Container
  containers: ReturnType<typeof artifactContainers>
  sidecarStderr?: string
}

export async function runArtifactPod(pod: ArtifactPod): Promise<ArtifactPodRun> {
  const exec = join(pod.dir, 'exec')
  mkdirSync(exec, { recursive: true })
  for (const [claim, target] of Object.entries(pod.claims ?? {})) {
    mkdirSync(join(exec, 'volumes'), { recursive: true })
    symlinkSync(target, join(exec, 'volumes', claim))
  }
  const outputs = pod.outputs ?? []
  const base: Container = { name: 'main', image: 'test' }
  const wrapped =
    outputs.length > 0
      ? wrap(
          base,
          pod.argv,
          {
            result: false,
            outputs: [],
            artifacts: outputs.map(({ name, path, archive }) => ({ name, path, archive })),
          },
          undefined,
          exec,
        )
      : undefined
  const init = wrapped?.init ?? executorInit(base, undefined, undefined, exec).init
  const containers = artifactContainers(pod.inputs ?? [], outputs, { dir: exec })
  const opts = {
    cwd: pod.dir,
    ...(pod.secrets && { secrets: pod.secrets }),
    ...(pod.programs && { programs: pod.programs }),
    ...(pod.env && { env: pod.env }),
  }
  const first = await runContainerAsync(init, opts)
  if (first.status !== 0) throw new Error(`the executor's init container failed: ${first.stderr}`)
  for (const fetch of containers.inits) {
    const log = join(pod.dir, `${fetch.name}-termination-log`)
    const fetched = await runContainerAsync(fetch, { ...opts, log })
    if (fetched.status !== 0)
      return {
        initFailure: existsSync(log) ? readFileSync(log, 'utf8') : fetched.stderr,
        containers,
      }
  }
  for (const m of containers.mounts) {
    mkdirSync(dirname(m.mountPath), { recursive: true })
    symlinkSync(join(exec, m.subPath!), m.mountPath)
  }
  const sidecar = containers.sidecar ? startContainer(containers.sidecar, opts) : undefined
  const log = join(pod.dir, 'termination-log')
  const main = wrapped?.main ?? { ...base, command: pod.argv }
  const ran = await runContainerAsync(main, { ...opts, log })
  let sidecarStderr: string | undefined
  if (sidecar) {
    sidecar.child.kill('SIGTERM')
    const code = await sidecar.exited
    sidecarStderr = sidecar.stderr()
    if (code !== 0)
      throw new Error(`the artifacts sidecar exited ${code} after SIGTERM: ${sidecarStderr}`)
  }
  const message = existsSync(log) ? readFileSync(log, 'utf8') : undefined
  const result = readTerminationMessage(message)
  return {
    exitCode: ran.status,
    ...(result && { result }),
    main,
    containers,
    ...(sidecarStderr !== undefined && { sidecarStderr }),
  }
}
