import { callsOf, DURATION, DURATION_HINT, exitHandlerOf } from './nodes.ts'
import { HookError } from 'metahooks'
import { dagGraph, findCycle } from './dag-graph.ts'
import { IMAGES_CONFIGMAP, repository, resolveArgv, type ImageEntrypoints } from './entrypoints.ts'
import { pendingFeatures } from './pending.ts'
import { executorPlan, podFields } from './pod-build.ts'
import { resultsRead } from './variables.ts'
import { containerSetProblems, httpProblems, resourceProblems } from './validate-kinds.ts'
import { TEMPLATE_KINDS } from './templates.ts'
import { expressions, references } from './substitute.ts'
import { parseExpr } from './expr/index.ts'
import type { Step, Task, Template, WorkflowSpec } from './schema.ts'
import { templateIoProblems, type CheckRefs } from './validate-io.ts'
import { callChecks } from './validate-calls.ts'

/**
 * Everything that can be known wrong before any Pod exists: unknown templates, steps or tasks,
 * cycles (in a DAG and in the template call graph), bad expressions, unknown or missing
 * parameters. Each problem names its path in the spec; any problem is a 422.
 */
export function validateWorkflow(
  spec: WorkflowSpec,
  images: ImageEntrypoints = {},
  badImages: Record<string, string> = {},
): void {
  const problems: string[] = []
  const templates = new Map<string, { t: Template; i: number }>()
  spec.templates.forEach((t, i) => {
    if (templates.has(t.name))
      problems.push(`spec.templates[${i}].name: duplicate template "${t.name}"`)
    templates.set(t.name, { t, i })
  })
  const workflowParams = new Set((spec.arguments?.parameters ?? []).map((p) => p.name))
  const known = (name: string, path: string) => {
    if (!templates.has(name)) problems.push(`${path}: unknown template "${name}"`)
  }
  if (spec.entrypoint === undefined)
    problems.push('spec.entrypoint: required (or a workflowTemplateRef whose template has one)')
  else known(spec.entrypoint, 'spec.entrypoint')
  if (spec.templates.length === 0)
    problems.push('spec.templates: needs at least one template (or a workflowTemplateRef)')
  if (spec.onExit) known(spec.onExit, 'spec.onExit')

  const globals = new Set(
    spec.templates.flatMap((t) =>
      (t.outputs?.parameters ?? []).flatMap((p) => (p.globalName ? [p.globalName] : [])),
    ),
  )
  // Templates run from an exit handler (and what they call): only they see workflow.status/failures.
  // The workflow's lifecycle hooks see them too (Argo: "exit handler variables").
  const callees = (t: Template) =>
    callsOf(t)
      .flatMap((c) => [c.template, exitHandlerOf(c)?.template])
      .filter((n): n is string => n !== undefined)
  const exitRoots: string[] = Object.values(spec.hooks ?? {}).flatMap((h) =>
    h.template === undefined ? [] : [h.template],
  )
  if (spec.onExit !== undefined) exitRoots.push(spec.onExit)
  for (const t of spec.templates)
    for (const c of callsOf(t)) {
      const exit = exitHandlerOf(c)
      if (exit) exitRoots.push(exit.template)
    }
  const exitTemplates = new Set<string>()
  for (const queue = [...exitRoots]; queue.length > 0; ) {
    const name = queue.pop()!
    if (exitTemplates.has(name)) continue
    exitTemplates.add(name)
    const t = templates.get(name)?.t
    if (t) queue.push(...callees(t))
  }
  /** The template being checked: whether it runs as an exit handler, whether it is retried, which of its steps or tasks run daemons. */
  let here = { exit: false, retried: false, daemons: new Set<string>() }
  const NODE_FIELDS =
    /^(outputs\.result|outputs\.(parameters|artifacts)\.[^.]+|exitCode|status|id|startedAt|finishedAt)$/
  /** `steps.X.<field>`: a node's fields, and `ip` of a daemon's. */
  const nodeField = (parts: string[]) =>
    NODE_FIELDS.test(parts.slice(2).join('.')) ||
    (parts.length === 3 && parts[2] === 'ip' && here.daemons.has(parts[1]!))
  const WORKFLOW_FIELDS = new Set([
    'name',
    'namespace',
    'uid',
    'status',
    'failures',
    'duration',
    'creationTimestamp',
    'mainEntrypoint',
    'serviceAccountName',
    'parameters',
  ])
  const checkRefs: CheckRefs = (text, path, scope) => {
    if (!text.includes('{{')) return
    for (const source of expressions(text)) {
      try {
        parseExpr(source)
      } catch (e) {
        problems.push(`${path}: ${(e as Error).message}`)
      }
    }
    for (const ref of references(text)) {
      const parts = ref.split('.')
      const ok =
        (parts[0] === 'inputs' && parts[1] === 'parameters' && scope.inputs.has(parts[2] ?? '')) ||
        (parts[0] === 'inputs' &&
          parts[1] === 'artifacts' &&
          scope.artifacts?.has(parts[2] ?? '') === true &&
          (parts.length === 3 || (parts.length === 4 && parts[3] === 'path'))) ||
        (parts[0] === 'workflow' && WORKFLOW_FIELDS.has(parts[1] ?? '') && parts.length === 2) ||
        (parts[0] === 'workflow' && parts[1] === 'creationTimestamp' && parts.length === 3) ||
        (parts[0] === 'workflow' &&
          (parts[1] === 'labels' || parts[1] === 'annotations') &&
          parts.length >= 3) ||
        (parts[0] === 'workflow' &&
          parts[1] === 'parameters' &&
          workflowParams.has(parts[2] ?? '')) ||
        (parts[0] === 'workflow' &&
          parts[1] === 'outputs' &&
          parts[2] === 'parameters' &&
          globals.has(parts.slice(3).join('.'))) ||
        (parts[0] === 'item' && scope.loop === true) ||
        (scope.pod === true && ref === 'retries') ||
        (scope.pod === true &&
          here.retried &&
          parts[0] === 'lastRetry' &&
          ['exitCode', 'status', 'duration', 'message'].includes(parts[1] ?? '') &&
          parts.length === 2) ||
        (scope.pod === true && (ref === 'pod.name' || ref === 'node.name')) ||
        (parts[0] === 'steps' && scope.steps?.has(parts[1] ?? '') === true && nodeField(parts)) ||
        (parts[0] === 'tasks' && scope.tasks?.().has(parts[1] ?? '') === true && nodeField(parts))
      if (ok && (ref === 'workflow.status' || ref === 'workflow.failures') && !here.exit)
        problems.push(
          `${path}: {{${ref}}} is set only in exit handlers (templates run from onExit)`,
        )
      else if (!ok && ['retries', 'pod.name', 'node.name'].includes(ref))
        problems.push(
          `${path}: {{${ref}}} is set only in a container or script template's own fields`,
        )
      else if (!ok && parts[0] === 'lastRetry')
        problems.push(
          `${path}: {{${ref}}} is set only in the fields of a template with a retryStrategy`,
        )
      else if (!ok && /^(steps|tasks)\.[^.]+\.ip$/.test(ref))
        problems.push(
          `${path}: {{${ref}}} is the IP of a daemon step, and ${parts[1]} is not an earlier step or task that runs a template with daemon: true`,
        )
      else if (!ok) problems.push(`${path}: unknown parameter or reference {{${ref}}}`)
    }
  }
  const { checkCall, checkHook } = callChecks({
    problems,
    templates,
    known,
    checkRefs,
    asExit: (check) => {
      const outside = here
      here = { ...here, exit: true }
      check()
      here = outside
    },
  })

  const calls = new Map<string, Set<string>>()
  spec.templates.forEach((t, i) => {
    const path = `spec.templates[${i}]`
    here = {
      exit: exitTemplates.has(t.name),
      retried: t.retryStrategy !== undefined || spec.retryStrategy !== undefined,
      daemons: new Set(
        callsOf(t)
          .filter((c) => templates.get(c.template ?? '')?.t.daemon === true)
          .map((c) => c.name),
      ),
    }
    if (t.daemon && !t.container && !t.script)
      problems.push(`${path}.daemon: only container and script templates run as daemons`)
    const kinds = TEMPLATE_KINDS.filter((k) => t[k] !== undefined)
    if (kinds.length !== 1)
      problems.push(
        `${path}: needs exactly one of ${TEMPLATE_KINDS.join(', ')} (has ${kinds.join(', ') || 'none'})`,
      )
    if (t.resource) problems.push(...resourceProblems(t, path))
    if (t.http) problems.push(...httpProblems(t, path))
    if (t.containerSet) problems.push(...containerSetProblems(t, path, images))
    const inputs = new Set((t.inputs?.parameters ?? []).map((p) => p.name))
    const inputArtifacts = new Set((t.inputs?.artifacts ?? []).map((a) => a.name))
    const fieldTexts = (c: object, base: string) => {
      for (const [k, v] of Object.entries(c)) {
        const items = Array.isArray(v)
          ? v.map((x, j) => [`${base}.${k}[${j}]`, x] as const)
          : [[`${base}.${k}`, v] as const]
        for (const [p, x] of items) {
          if (typeof x === 'string')
            checkRefs(x, p, { inputs, artifacts: inputArtifacts, exit: true, pod: true })
          else if (x && typeof x === 'object') fieldTexts(x, p)
        }
      }
    }
    if (t.timeout !== undefined) {
      if (!t.container && !t.script)
        problems.push(
          `${path}.timeout: only container and script templates have a timeout (as in Argo); use activeDeadlineSeconds on the workflow`,
        )
      else if (!t.timeout.includes('{{') && !DURATION.test(t.timeout))
        problems.push(`${path}.timeout: ${DURATION_HINT}`)
      else checkRefs(t.timeout, `${path}.timeout`, { inputs })
    }
    if (t.retryStrategy?.expression !== undefined) {
      try {
        parseExpr(t.retryStrategy.expression)
      } catch (e) {
        problems.push(`${path}.retryStrategy.expression: ${(e as Error).message}`)
      }
    }
    templateIoProblems(t, path, inputs, checkRefs, problems)
    const duration = t.suspend?.duration
    if (duration !== undefined && !duration.includes('{{') && !DURATION.test(duration))
      problems.push(`${path}.suspend.duration: ${DURATION_HINT}`)
    if (t.container || t.script || t.resource || t.http || t.containerSet) {
      const { name: _name, ...fields } = podFields(t)
      fieldTexts(fields, path)
    }
    if (t.suspend?.duration) checkRefs(t.suspend.duration, `${path}.suspend.duration`, { inputs })
    // Templates this one calls at once, before anything can end a recursion (the first group's steps
    // and the DAG's first tasks, without `when` or a loop that may be empty): a cycle of these never ends.
    const called = new Set<string>()
    const immediate = (c: Step | Task) =>
      c.when === undefined &&
      c.withParam === undefined &&
      c.withSequence === undefined &&
      (c.withItems === undefined || c.withItems.length > 0)
    if (t.steps) {
      const seen = new Set<string>()
      t.steps.forEach((group, g) => {
        const earlier = new Set(seen)
        group.forEach((step, s) => {
          const sp = `${path}.steps[${g}][${s}]`
          if (seen.has(step.name)) problems.push(`${sp}.name: duplicate step "${step.name}"`)
          checkCall(step, sp, { inputs, steps: earlier })
          if (g === 0 && step.template !== undefined && immediate(step)) called.add(step.template)
        })
        for (const step of group) seen.add(step.name)
      })
    }
    if (t.dag) {
      const { index, deps, problems: graphProblems } = dagGraph(t.dag.tasks)
      for (const p of graphProblems) problems.push(`${path}.dag${p.at}: ${p.message}`)
      // A task may read the outputs of any task it (transitively) depends on.
      const ancestors = (k: number): Set<string> => {
        const seen = new Set<number>()
        const queue = [...deps[k]!]
        while (queue.length > 0) {
          const d = queue.pop()!
          if (seen.has(d)) continue
          seen.add(d)
          queue.push(...deps[d]!)
        }
        return new Set([...seen].map((d) => t.dag!.tasks[d]!.name))
      }
      if (t.dag.target) checkRefs(t.dag.target, `${path}.dag.target`, { inputs })
      t.dag.tasks.forEach((task, k) => {
        let before: Set<string> | undefined
        checkCall(task, `${path}.dag.tasks[${k}]`, {
          inputs,
          tasks: () => (before ??= ancestors(k)),
        })
        if (
          deps[k]!.length === 0 &&
          task.depends === undefined &&
          task.template !== undefined &&
          immediate(task)
        )
          called.add(task.template)
      })
      if (!t.dag.target?.includes('{{'))
        for (const target of (t.dag.target ?? '').split(/[\s,]+/).filter(Boolean))
          if (!index.has(target)) problems.push(`${path}.dag.target: unknown task "${target}"`)
      const cycle = findCycle(deps)
      if (cycle)
        problems.push(
          `${path}.dag: dependency cycle ${cycle.map((k) => t.dag!.tasks[k]!.name).join(' → ')}`,
        )
    }
    calls.set(t.name, called)
  })
  here = { exit: true, retried: false, daemons: new Set() }
  for (const [hookName, hook] of Object.entries(spec.hooks ?? {}))
    checkHook(hook, `spec.hooks.${hookName}`, hookName === 'exit' ? 'exit' : 'expression', {
      inputs: new Set(),
    })
  if (spec.onExit !== undefined && spec.hooks?.exit !== undefined)
    problems.push('spec.hooks.exit: use onExit or hooks.exit, not both')
  if (problems.length === 0) {
    const names = [...calls.keys()]
    const position = new Map(names.map((n, i) => [n, i]))
    const cycle = findCycle(
      names.map((n) => [...calls.get(n)!].flatMap((c) => position.get(c) ?? [])),
    )?.map((i) => names[i]!)
    if (cycle)
      problems.push(
        `spec.templates: template "${cycle[0]}" calls itself before anything can end the recursion (${cycle.join(' → ')}); put the call behind a when, or after a step that runs first`,
      )
  }
  problems.push(...unwrappable(spec, images, badImages))
  problems.push(...pendingFeatures(spec))
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ')
    throw new HookError(
      422,
      `invalid workflow: ${shown}${problems.length > 5 ? `; … and ${problems.length - 5} more` : ''}`,
    )
  }
}

/** Templates whose outputs the executor must capture but whose command it cannot know (no `command`, an image it does not know). */
function unwrappable(
  spec: WorkflowSpec,
  images: ImageEntrypoints,
  badImages: Record<string, string>,
): string[] {
  const read = resultsRead(spec)
  const resultRead = new Set<string | undefined>()
  if (read.size > 0)
    for (const t of spec.templates)
      for (const c of callsOf(t)) if (read.has(c.name)) resultRead.add(c.template)
  return spec.templates.flatMap((t, i) => {
    const container = t.container ?? t.script
    const packed = (t.outputs?.artifacts ?? []).map((a) => ({
      name: a.name,
      path: a.path ?? '',
      archive: 'tgz' as const,
    }))
    if (
      !container ||
      container.image?.includes('{{') ||
      !executorPlan(t, resultRead.has(t.name), packed)
    )
      return []
    if (resolveArgv(container, images)?.length) return []
    const bad = badImages[repository(container.image ?? '')]
    if (bad) return [`spec.templates[${i}] (${t.name}): ${bad}`]
    return [
      `spec.templates[${i}] (${t.name}): its outputs are captured by wrapping the command, and the image ${container.image ?? '(none)'} runs an entrypoint the executor does not know; give the ${t.script ? 'script' : 'container'} a command, or add the image to the ConfigMap ${IMAGES_CONFIGMAP}`,
    ]
  })
}
