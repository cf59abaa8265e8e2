import { defineConfig } from 'vitest/config'

// The browser tier (`npm run test:ui`): `metahooks ui` driven in Debian's headless Chromium by
// playwright-core (never a downloaded browser); .ci/run installs chromium when it is missing.
export default defineConfig({
  test: {
    name: 'ui',
    include: ['test/ui/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    silent: 'passed-only',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
