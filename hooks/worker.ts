import type { Hono } from 'hono'
import { createApp, MAX_ERROR_BODY_CHARS } from './core/http/app.ts'
import { clip } from './core/issues.ts'
import { configFromEnv, type Env } from './core/http/config.ts'
import { controllers } from './registry.ts'
import { PACKAGE_VERSION } from './version.ts'

/**
 * Cloudflare Workers entrypoint: the same app as on Node. Settings come from the Worker's vars
 * and secrets; auth is required unless METAHOOKS_ALLOW_UNAUTHENTICATED=true. The ETag code version
 * is METAHOOKS_BUILD_ID, else the deployed version's id from the version metadata binding.
 */
let cached: { env: Env; app: Hono } | undefined

function appFor(env: Env): Hono {
  if (cached?.env === env) return cached.app
  const metadata = env.CF_VERSION_METADATA as { id?: string } | undefined
  const buildId = (env.METAHOOKS_BUILD_ID as string | undefined) || metadata?.id || 'unversioned'
  const app = createApp({ controllers, version: `${PACKAGE_VERSION}+${buildId}`, ...configFromEnv(env, { requireAuth: true }) })
  cached = { env, app }
  return app
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response> {
    let app: Hono
    try {
      app = appFor(env ?? {})
    } catch (error) {
      // A misconfigured Worker must say why on every call instead of serving with wrong settings.
      return new Response(clip(`server misconfigured: ${(error as Error).message}`, MAX_ERROR_BODY_CHARS), { status: 500 })
    }
    return app.fetch(request, env, ctx as never)
  },
}
