/**
 * What a well-known image runs when a container gives no `command` (its ENTRYPOINT and CMD): the
 * executor has to know the full command to wrap it. Argo asks for the same in its `images`
 * configuration. Keys are image repositories without registry, tag or digest.
 */
export const IMAGE_ENTRYPOINTS: Readonly<Record<string, { entrypoint: string[]; cmd: string[] }>> = {
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
  return repo.replace(/^(docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, '').replace(/^library\//, '')
}

/**
 * The full command a container runs, as the kubelet resolves it: `command` replaces the image's
 * ENTRYPOINT and `args` its CMD. Undefined when that depends on an image we do not know.
 */
export function resolveArgv(container: { image?: string; command?: string[]; args?: string[] }): string[] | undefined {
  if (container.command !== undefined) return [...container.command, ...(container.args ?? [])]
  const known = IMAGE_ENTRYPOINTS[repository(container.image ?? '')]
  if (!known) return undefined
  return [...known.entrypoint, ...(container.args ?? known.cmd)]
}
