import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { controllerRoutes } from '../http/app.ts'
import type { Env } from '../http/config.ts'
import { serveUntilSignalled } from '../node.ts'
import type { Command } from './command.ts'

export const serveCommand: Command = {
  name: 'serve',
  needsProject: true,
  usage: `  metahooks serve [--host HOST] [--port PORT]
      Serve every controller's hooks (default 127.0.0.1:8080; same as npm start).`,
  async run(args, project) {
    const { values } = parseArgs({
      args,
      options: { host: { type: 'string' }, port: { type: 'string' } },
      strict: true,
    })
    const env: Env = { ...process.env }
    if (values.host !== undefined) env.HOST = values.host
    if (values.port !== undefined) env.PORT = values.port
    await serveUntilSignalled(
      { controllers: project.controllers, codeDir: join(project.root, 'hooks') },
      env,
    )
  },
}

export const controllersCommand: Command = {
  name: 'controllers',
  needsProject: true,
  usage: `  metahooks controllers
      List controllers and their routes.`,
  run(_args, project) {
    for (const c of project.controllers)
      console.log(
        `${c.name}\t${c.type}\t${controllerRoutes(c)
          .map((r) => r.path)
          .join(' ')}`,
      )
  },
}
