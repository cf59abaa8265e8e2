import type { Hono } from 'hono'
import { createApp, MAX_ERROR_BODY_CHARS } from './http/app.ts'
import { clip } from './issues.ts'
import { configFromEnv, type Env } from './http/config.ts'
import type { ControllerDefinition } from './define.ts'
import { PACKAGE_VERSION } from './version.ts'

export interface WorkerHandler {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response>
}

/**
 * The Cloudflare Workers entrypoint for a list of controllers: the same app as on Node. Settings
 * come from the Worker's vars and secrets; auth is required unless
 * METAHOOKS_ALLOW_UNAUTHENTICATED=true. The ETag code version is METAHOOKS_BUILD_ID, else the
 * deployed version's id from the version metadata binding (CF_VERSION_METADATA).
 */
export function createWorker(controllers: readonly ControllerDefinition[]): WorkerHandler {
  let cached: { env: Env; app: Hono } | undefined
  const appFor = (env: Env): Hono => {
    if (cached?.env === env) return cached.app
    const metadata = env.CF_VERSION_METADATA as { id?: string } | undefined
    const buildId = (env.METAHOOKS_BUILD_ID as string | undefined) || metadata?.id || 'unversioned'
    const app = createApp({
      controllers,
      version: `${PACKAGE_VERSION}+${buildId}`,
      ...configFromEnv(env, { requireAuth: true }),
    })
    cached = { env, app }
    return app
  }
  return {
    fetch(request, env, ctx) {
      let app: Hono
      try {
        app = appFor(env ?? {})
      } catch (error) {
        // A misconfigured Worker must say why on every call instead of serving with wrong settings.
        return new Response(
          clip(`server misconfigured: ${(error as Error).message}`, MAX_ERROR_BODY_CHARS),
          { status: 500 },
        )
      }
      return app.fetch(request, env, ctx as never)
    },
  }
}
