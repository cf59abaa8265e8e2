// This project's own `metahooks` commands, beside the toolkit's (bin/metahooks.js loads this file
// when it exists; the Worker and the server never do).
import type { Command } from 'metahooks/cli'
import { workflowRbacCommand } from './workflow/rbac-command.ts'
import { workflowRetryCommand } from './workflow/retry-command.ts'
import { uiCommand } from './workflow/ui/command.ts'

export const commands: readonly Command[] = [workflowRbacCommand, workflowRetryCommand, uiCommand]
