import { describe, expect, it } from 'vitest'
import { addToRegistry } from '../../hooks/core/cli/scaffold/index.ts'

// `metahooks new` edits hooks/registry.ts; the whole path runs in the package tier (test/package).
describe('addToRegistry', () => {
  it.each([
    {
      name: 'an empty registry',
      reason: 'what metahooks init writes',
      source:
        "import type { ControllerDefinition } from 'metahooks'\n\nexport const controllers: readonly ControllerDefinition[] = []\n",
      want: "import type { ControllerDefinition } from 'metahooks'\nimport myThing from './my-thing/index.ts'\n\nexport const controllers: readonly ControllerDefinition[] = [myThing]\n",
    },
    {
      name: 'a list spread over lines with a trailing comma',
      reason: 'hand-edited registries keep working',
      source: "import a from './a/index.ts'\nexport const controllers = [\n  a,\n]\n",
      want: "import a from './a/index.ts'\nimport myThing from './my-thing/index.ts'\nexport const controllers = [a, myThing]\n",
    },
    {
      name: 'no imports at all',
      reason: 'the import goes first',
      source: 'export const controllers = []\n',
      want: "import myThing from './my-thing/index.ts'\nexport const controllers = [myThing]\n",
    },
  ])('$name: $reason', ({ source, want }) => {
    expect(addToRegistry(source, 'my-thing')).toBe(want)
  })

  it('a registry without an exported controllers list is an error saying what to add by hand', () => {
    expect(() => addToRegistry('export default []\n', 'my-thing')).toThrow(
      /add import myThing from '\.\/my-thing\/index\.ts' and myThing by hand/,
    )
  })
})
