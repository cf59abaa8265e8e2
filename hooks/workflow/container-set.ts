import type { Container } from 'kubernetes-types/core/v1'
import { IMAGES_CONFIGMAP, resolveArgv, type ImageEntrypoints } from './entrypoints.ts'
import { wrap, type ExecutorPlan } from './executor.ts'
import { durationSeconds } from './nodes.ts'
import type { Template } from './schema.ts'

/**
 * Argo's containerSet as one Pod: every container runs through the executor, which starts it once
 * the containers it depends on have ended with 0 (their ends are files in the executor's volume)
 * and never when one of them failed. The container named `main` carries the template's outputs.
 */

export interface SetContainer {
  container: Container
  argv: string[]
  plan: ExecutorPlan
}

/** Each container of the set with its command and plan (main's with the template's outputs); a string is why one cannot run. */
export function containerSetParts(
  template: Template,
  mainPlan: ExecutorPlan | undefined,
  images: ImageEntrypoints | undefined,
): SetContainer[] | string {
  const set = template.containerSet!
  const out: SetContainer[] = []
  for (const { dependencies, ...fields } of set.containers) {
    const container = {
      ...(fields as Container),
      volumeMounts: [...(fields.volumeMounts ?? []), ...(set.volumeMounts ?? [])],
    } as Container
    if (container.volumeMounts!.length === 0) delete container.volumeMounts
    const argv = resolveArgv(container, images)
    if (!argv?.length)
      return `container ${container.name}: the image ${container.image} runs an entrypoint the executor does not know; give it a command, or add the image to the ConfigMap ${IMAGES_CONFIGMAP}`
    const own =
      container.name === 'main'
        ? (mainPlan ?? { result: false, outputs: [] })
        : { result: false, outputs: [] }
    const retries = set.retryStrategy && {
      limit: set.retryStrategy.retries,
      delaySeconds: durationSeconds(set.retryStrategy.duration),
    }
    out.push({
      container,
      argv,
      plan: {
        ...own,
        container: {
          name: container.name,
          dependencies: dependencies ?? [],
          ...(retries && { retries }),
        },
      },
    })
  }
  return out
}

/** The set's other containers, wrapped (main is wrapped with the Pod's executor by the caller). */
export function wrapSiblings(parts: readonly SetContainer[], image: string): Container[] {
  return parts
    .filter((p) => p.container.name !== 'main')
    .map((p) => wrap(p.container, p.argv, p.plan, image).main)
}

/** The containers in the order written, main as the caller built it. */
export function inOrder(
  template: Template,
  main: Container,
  siblings: readonly Container[],
): Container[] {
  return template.containerSet!.containers.map((c) =>
    c.name === 'main' ? main : siblings.find((s) => s.name === c.name)!,
  )
}
