import type { LabelSelector } from '../contract/objects.ts'

/**
 * Kubernetes LabelSelector matching (matchLabels AND matchExpressions; an empty selector matches
 * everything). Written here because the npm packages that do this are unmaintained browser
 * widgets; the semantics are small and fixed by the Kubernetes API.
 */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key)
    const values = req.values ?? []
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false
        break
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
    }
  }
  return true
}

/** True when the selector selects something specific (Metacontroller refuses an empty parent selector). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
}
