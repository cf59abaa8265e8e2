import type { ControllerDefinition } from './core/define.ts'
import mypod from './mypod/index.ts'

/** Every controller this server serves, in route order. */
export const controllers: readonly ControllerDefinition[] = [mypod as ControllerDefinition]
