import * as z from 'zod'
import { labels } from 'metahooks'

/** A source opts in with this label (selectable by Metacontroller) … */
export const SOURCE_LABEL = 'propagate.metahooks.dev/enabled'
/** … and names the target namespaces with a label selector in this annotation, e.g. `env=prod`. */
export const SELECTOR_ANNOTATION = 'propagate.metahooks.dev/namespace-selector'
/** Every copy points back at its source: `<namespace>/<name>`. */
export const SOURCE_ANNOTATION = 'propagate.metahooks.dev/source'
/** On a Namespace: sources whose copy could not be made because another source has that name. */
export const SKIPPED_ANNOTATION = 'propagate.metahooks.dev/skipped'

/** The decorated Namespace: only its name and labels matter. */
export const NamespaceObject = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
})
export type NamespaceObject = z.output<typeof NamespaceObject>

/** What a copy takes from a source Secret or ConfigMap: both hold string maps, a Secret a type; its labels. */
export const RelatedSource = z.looseObject({
  metadata: z.looseObject({ labels: labels().optional() }),
  type: z.string().optional(),
  data: z.record(z.string(), z.string()).optional(),
  binaryData: z.record(z.string(), z.string()).optional(),
})
