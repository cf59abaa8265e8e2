import { findCycle } from './dag-graph.ts'
import { IMAGES_CONFIGMAP, resolveArgv, type ImageEntrypoints } from './entrypoints.ts'
import { parseExpr } from './expr/index.ts'
import { parseCondition } from './resource.ts'
import type { Template } from './schema.ts'

/** The rules of the template kinds run by the executor's own programs: resource, http, containerSet. */

/** A resource template's own rules: a manifest, conditions Argo's syntax can say, outputs read by jsonPath. */
export function resourceProblems(t: Template, path: string): string[] {
  const r = t.resource!
  const problems: string[] = []
  if (r.manifestFrom) {
    if (r.manifest !== undefined)
      problems.push(`${path}.resource: manifest and manifestFrom both given`)
    if (!t.inputs?.artifacts?.some((a) => a.name === r.manifestFrom!.artifact.name))
      problems.push(
        `${path}.resource.manifestFrom.artifact.name: ${r.manifestFrom.artifact.name} is not an input artifact of the template`,
      )
    if (r.setOwnerReference)
      problems.push(
        `${path}.resource.setOwnerReference: needs the manifest written in place (the hook does not read one from an artifact)`,
      )
  } else if (r.manifest === undefined || r.manifest.trim() === '')
    problems.push(
      `${path}.resource.manifest: a resource template needs a manifest (or manifestFrom an input artifact)`,
    )
  if (r.action === 'patch' && r.mergeStrategy === 'json' && !r.flags?.length)
    problems.push(
      `${path}.resource.flags: a json patch names its object in flags (e.g. [configmap, my-config]), as in Argo`,
    )
  for (const key of ['successCondition', 'failureCondition'] as const) {
    const text = r[key]
    if (text === undefined || text.includes('{{')) continue
    const parsed = parseCondition(text)
    if (typeof parsed === 'string') problems.push(`${path}.resource.${key}: ${parsed}`)
  }
  ;(t.outputs?.parameters ?? []).forEach((p, j) => {
    if (p.valueFrom?.path !== undefined)
      problems.push(
        `${path}.outputs.parameters[${j}].valueFrom.path: a resource template's outputs are read with valueFrom.jsonPath`,
      )
  })
  if (t.outputs?.artifacts?.length)
    problems.push(`${path}.outputs.artifacts: a resource template makes no files`)
  return problems
}

/** An http template's own rules: a successCondition that parses; its only output is the body (result). */
export function httpProblems(t: Template, path: string): string[] {
  const problems: string[] = []
  const condition = t.http!.successCondition
  if (condition !== undefined && !condition.includes('{{')) {
    try {
      parseExpr(condition)
    } catch (e) {
      problems.push(`${path}.http.successCondition: ${(e as Error).message}`)
    }
  }
  ;(t.outputs?.parameters ?? []).forEach((p, j) => {
    if (p.valueFrom?.path !== undefined)
      problems.push(
        `${path}.outputs.parameters[${j}].valueFrom.path: an http template's output is its body, outputs.result`,
      )
  })
  if (t.outputs?.artifacts?.length)
    problems.push(`${path}.outputs.artifacts: an http template makes no files`)
  if (t.http!.bodyFrom && t.http!.body !== undefined)
    problems.push(`${path}.http: body and bodyFrom both given`)
  return problems
}

/** A containerSet's own rules: a container named main, unique names, dependencies that exist and end, commands the executor can wrap. */
export function containerSetProblems(
  t: Template,
  path: string,
  images: ImageEntrypoints,
): string[] {
  const problems: string[] = []
  const containers = t.containerSet!.containers
  const names = new Set<string>()
  for (const c of containers) {
    if (names.has(c.name)) problems.push(`${path}.containerSet: two containers named ${c.name}`)
    names.add(c.name)
  }
  if (!names.has('main'))
    problems.push(
      `${path}.containerSet: one container must be named main (it carries the template's outputs), as in Argo`,
    )
  const deps = new Map(containers.map((c) => [c.name, c.dependencies ?? []]))
  for (const [name, list] of deps)
    for (const d of list)
      if (!deps.has(d))
        problems.push(
          `${path}.containerSet: container ${name} depends on ${d}, which is not in the set`,
        )
  // The same cycle search the DAG's validation uses, over container positions.
  const order = containers.map((c) => c.name)
  const cycle = findCycle(
    containers.map((c) =>
      (c.dependencies ?? []).map((d) => order.indexOf(d)).filter((i) => i >= 0),
    ),
  )
  if (cycle)
    problems.push(
      `${path}.containerSet: containers wait for each other (${cycle.map((i) => order[i]).join(' → ')}), so none would start`,
    )
  for (const c of containers) {
    if (c.image?.includes('{{') || resolveArgv(c as never, images)?.length) continue
    problems.push(
      `${path}.containerSet: container ${c.name} runs through the executor, and the image ${c.image ?? '(none)'} runs an entrypoint it does not know; give it a command, or add the image to the ConfigMap ${IMAGES_CONFIGMAP}`,
    )
  }
  return problems
}
