import { defineConfig } from 'vitest/config'

// The artifact tier (`npm run test:artifacts`): the workflow executor's artifacts moved by the real
// rclone against a real S3-compatible server (SeaweedFS), both built on first use by
// test/artifacts/build.sh, started once by test/artifacts/setup.ts.
export default defineConfig({
  test: {
    name: 'artifacts',
    include: ['test/artifacts/**/*.test.ts'],
    globalSetup: ['test/artifacts/setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    silent: 'passed-only',
    testTimeout: 60_000,
    hookTimeout: 1_800_000,
  },
})
