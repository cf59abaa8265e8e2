import { defineConfig } from 'vitest/config'

// The cluster tier (`npm run test:cluster`): tests against a real etcd, kube-apiserver and
// kube-controller-manager started once by test/cluster/setup.ts (binaries built on first use).
export default defineConfig({
  test: {
    name: 'cluster',
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    silent: 'passed-only',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
