import type { ControllerDefinition } from '../define.ts'

/** The project a CLI call works on: where its files are and the controllers it serves. */
export interface Project {
  /** The project's root (package.json, hooks/, the generated manifests); the working directory when there is no project. */
  root: string
  /** False when no hooks/registry.ts was found: only `init`, `help` and cluster-wide commands work. */
  found: boolean
  controllers: readonly ControllerDefinition[]
}

/**
 * One `metahooks <name>` command. Projects add their own in hooks/commands.ts
 * (`export const commands: Command[]`), listed in the help after the toolkit's.
 */
export interface Command {
  name: string
  /** The help's lines: `  metahooks <name> …` then what it does, indented by six spaces. */
  usage: string
  /** More for `metahooks <name> --help` only. */
  details?: string
  /** Needs hooks/registry.ts (every command that reads the controllers). */
  needsProject?: boolean
  run(args: string[], project: Project): Promise<void> | void
}

/** A mistake in how the command was called: exit 2 with the message, as other CLIs do. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export function controllerNamed(project: Project, name: string | undefined): ControllerDefinition {
  const known = project.controllers.map((c) => c.name).join(', ')
  if (!name) throw new UsageError(`name a controller: ${known}`)
  const found = project.controllers.find((c) => c.name === name)
  if (!found) throw new UsageError(`unknown controller "${name}"; known: ${known}`)
  return found
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`)
  return Number(value)
}

export function oneOf<T extends string>(
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}
