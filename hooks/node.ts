// `npm start`: this repository's controllers on Node, through the toolkit's server (metahooks/node).
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  serveUntilSignalled,
  startNodeServer as startServer,
  type NodeServerOptions,
  type RunningServer,
} from 'metahooks/node'
import { controllers } from './registry.ts'

const project = { controllers, codeDir: fileURLToPath(new URL('.', import.meta.url)) }

/** The server with this repository's controllers unless the options name others (tests). */
export function startNodeServer(
  options: Omit<NodeServerOptions, 'controllers' | 'codeDir'> &
    Partial<Pick<NodeServerOptions, 'controllers'>>,
): Promise<RunningServer> {
  return startServer({ ...project, ...options })
}
export { nodeSha256, type RunningServer } from 'metahooks/node'

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveUntilSignalled(project, process.env).catch((error: unknown) => {
    console.error(`metahooks: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
