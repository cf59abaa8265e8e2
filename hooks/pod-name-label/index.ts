import * as z from 'zod'
import { defineDecoratorController, labelKey, labelValueOf } from 'metahooks'

export const ANNOTATION = 'pod-name-label'

/** Pods that ask for it (annotation `pod-name-label: <key>`) get their own name as that label. */
const PodObject = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    annotations: z.looseObject({ [ANNOTATION]: labelKey() }),
  }),
})

export default defineDecoratorController({
  name: 'pod-name-label',
  resources: [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      annotationSelector: { matchExpressions: [{ key: ANNOTATION, operator: 'Exists' }] },
    },
  ],
  attachments: [],
  objectSchema: PodObject,
  hookVersion: 'v2',
  // A label value holds at most 63: a longer name is shortened with a hash (service-per-pod selects by the same value).
  sync: ({ spec }) => ({
    attachments: [],
    labels: { [spec.metadata.annotations[ANNOTATION]]: labelValueOf(spec.metadata.name) },
  }),
})
