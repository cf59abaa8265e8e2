import { defineConfig } from 'vitest/config'

// The package tier (`npm run test:package`): metahooks packed as users install it, a project made
// with `metahooks init` in a temporary directory, installed from the tarball, grown with
// `metahooks new`, tested, served and given its manifests — the path README's "Write your own
// controller" describes, run for real.
export default defineConfig({
  test: {
    name: 'package',
    include: ['test/package/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    silent: 'passed-only',
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
})
