import * as z from 'zod'

/**
 * What a well-known image runs when a container gives no `command` (its ENTRYPOINT and CMD): the
 * executor has to know the full command to wrap it. Argo asks for the same in its `images`
 * configuration. Keys are image repositories without registry, tag or digest.
 */
export const IMAGE_ENTRYPOINTS: Readonly<Record<string, { entrypoint: string[]; cmd: string[] }>> =
  {
    busybox: { entrypoint: [], cmd: ['sh'] },
    alpine: { entrypoint: [], cmd: ['/bin/sh'] },
    debian: { entrypoint: [], cmd: ['bash'] },
    ubuntu: { entrypoint: [], cmd: ['/bin/bash'] },
    python: { entrypoint: [], cmd: ['python3'] },
    node: { entrypoint: ['docker-entrypoint.sh'], cmd: ['node'] },
    bash: { entrypoint: ['docker-entrypoint.sh'], cmd: ['bash'] },
    golang: { entrypoint: [], cmd: ['bash'] },
    ruby: { entrypoint: [], cmd: ['irb'] },
    'docker/whalesay': { entrypoint: [], cmd: ['/bin/bash'] },
    'argoproj/argosay': { entrypoint: ['/argosay'], cmd: [] },
    'curlimages/curl': { entrypoint: ['/entrypoint.sh'], cmd: ['curl'] },
    'bitnami/kubectl': { entrypoint: ['kubectl'], cmd: [] },
    'stedolan/jq': { entrypoint: ['jq'], cmd: [] },
  }

/** `docker.io/library/python:3.12@sha256:…` → `python`; `ghcr.io/org/tool:1` stays `ghcr.io/org/tool`. */
export function repository(image: string): string {
  let repo = image.split('@')[0]!
  const slash = repo.lastIndexOf('/')
  const colon = repo.lastIndexOf(':')
  if (colon > slash) repo = repo.slice(0, colon)
  return repo
    .replace(/^(docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, '')
    .replace(/^library\//, '')
}

export type ImageEntrypoints = Readonly<Record<string, { entrypoint: string[]; cmd: string[] }>>

/** The ConfigMap (in the workflow's namespace) where users add their images: key = repository, value = `{"entrypoint": [...], "cmd": [...]}`. */
export const IMAGES_CONFIGMAP = 'metahooks-workflow-images'

const Entry = z.object({
  entrypoint: z.array(z.string()).default([]),
  cmd: z.array(z.string()).default([]),
})

/** The images a ConfigMap adds (its keys are repositories, as `repository()` gives them); a bad value is named. */
export function imagesFrom(data: Record<string, string> | undefined): {
  images: ImageEntrypoints
  problems: Record<string, string>
} {
  const images: Record<string, { entrypoint: string[]; cmd: string[] }> = {}
  // By repository: a bad entry matters only to a workflow that needs that image.
  const problems: Record<string, string> = {}
  for (const [key, text] of Object.entries(data ?? {})) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      value = undefined
    }
    const parsed = Entry.safeParse(value)
    if (parsed.success) images[repository(key)] = parsed.data
    else
      problems[repository(key)] =
        `ConfigMap ${IMAGES_CONFIGMAP} key ${key}: must be JSON {"entrypoint": [..], "cmd": [..]}`
  }
  return { images, problems }
}

/**
 * The full command a container runs, as the kubelet resolves it: `command` replaces the image's
 * ENTRYPOINT and `args` its CMD. Undefined when that depends on an image we do not know (built in,
 * or added in the images ConfigMap).
 */
export function resolveArgv(
  container: { image?: string; command?: string[]; args?: string[] },
  added: ImageEntrypoints = {},
): string[] | undefined {
  if (container.command !== undefined) return [...container.command, ...(container.args ?? [])]
  const repo = repository(container.image ?? '')
  const known = added[repo] ?? IMAGE_ENTRYPOINTS[repo]
  if (!known) return undefined
  return [...known.entrypoint, ...(container.args ?? known.cmd)]
}
