import { defineConfig } from 'vitest/config'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'

// Runs test/workers inside workerd with the Worker from wrangler.toml (hooks/worker.ts).
// Offline: no telemetry, no Request.cf fetch.
process.env.WRANGLER_SEND_METRICS ??= 'false'
process.env.WRANGLER_SEND_ERROR_REPORTS ??= 'false'
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false'
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { METAHOOKS_AUTH_TOKEN: 'workers-test-token', METAHOOKS_BUILD_ID: 'test' },
      },
    }),
  ],
  test: { name: 'workerd', include: ['test/workers/**/*.test.ts'] },
})
