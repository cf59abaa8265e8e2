import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import type { ControllerDefinition } from '../../hooks/core/define.ts'
import { loadObjects } from '../../hooks/core/testing/files.ts'
import { decoratorSelects } from '../../hooks/core/testing/ownership.ts'
import { ROOT } from './cluster.ts'

/** Every object of every example file (examples/ and examples/workflows/). */
export function exampleObjects(): { file: string; object: KObject }[] {
  const dirs = ['examples', 'examples/workflows']
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .flatMap((f) => loadObjects(join(ROOT, dir, f)).map((object) => ({ file: `${dir}/${f}`, object }))),
  )
}

/** Up to `max` example parents of a controller, each with every other example object as the rest of the cluster. */
export function exampleParents(definition: ControllerDefinition, max = 5): { parent: KObject; objects: KObject[] }[] {
  const all = exampleObjects().map((e) => e.object)
  const isParent = (o: KObject) =>
    definition.type === 'composite' ? o.apiVersion === definition.parent.apiVersion && o.kind === definition.parent.kind : decoratorSelects(definition, o)
  return all
    .filter(isParent)
    .slice(0, max)
    .map((parent) => ({ parent, objects: all.filter((o) => o !== parent && !isParent(o)) }))
}
