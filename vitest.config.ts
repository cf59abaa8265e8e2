import { defineConfig } from 'vitest/config'

// One `vitest run` runs both projects: Node (unit, HTTP, real server processes) and workerd.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    silent: 'passed-only',
    // Two files at a time on CI's two cores (vitest's default is cores - 1): the suite waits on
    // processes, servers and workerd more than on the CPU.
    maxWorkers: 2,
    globalSetup: ['test/fixtures/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/workers/**',
            'test/cluster/**',
            'test/artifacts/**',
            'test/package/**',
            'test/ui/**',
          ],
          setupFiles: ['test/fixtures/record-children.ts'],
          testTimeout: 30_000,
        },
      },
      './vitest.workers.config.ts',
    ],
  },
})
