import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  compareGolden,
  loadGoldenCases,
  runGoldenCase,
  updateGoldenCase,
} from '../hooks/core/testing/golden.ts'
import { controllers } from '../hooks/registry.ts'
import { ROOT } from './fixtures/server.ts'

// Every controller's golden cases (test/golden/<controller>/*.yaml). To regenerate the
// expectations after an intended change: METAHOOKS_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
// and review the diff.
const update = process.env.METAHOOKS_UPDATE_GOLDEN === '1'

for (const definition of controllers) {
  const cases = loadGoldenCases(join(ROOT, 'test/golden', definition.name))
  describe(`golden: ${definition.name}`, () => {
    it('has golden cases', () => expect(cases.length).toBeGreaterThan(0))
    it.each(cases)('$name: $reason', async (c) => {
      const actual = await runGoldenCase(definition, c)
      if (update) updateGoldenCase(c, actual)
      else expect(compareGolden(c, actual)).toEqual([])
    })
  })
}
