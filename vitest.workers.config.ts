import { defineConfig } from 'vitest/config'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'

// Runs test/workers inside workerd with the Worker from wrangler.toml (hooks/worker.ts).
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: { bindings: { METAHOOKS_AUTH_TOKEN: 'workers-test-token', METAHOOKS_BUILD_ID: 'test' } },
    }),
  ],
  test: { name: 'workerd', include: ['test/workers/**/*.test.ts'] },
})
