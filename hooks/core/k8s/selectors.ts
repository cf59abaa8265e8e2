import type { LabelSelector } from '../contract/objects.ts'

/**
 * Kubernetes LabelSelector matching (matchLabels AND matchExpressions; an empty selector matches
 * everything). Written here because the npm packages that do this are unmaintained browser
 * widgets; the semantics are small and fixed by the Kubernetes API.
 */
export function matchesSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> = {},
): boolean {
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
  return (
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 &&
      (selector.matchExpressions ?? []).length === 0)
  )
}

/**
 * Parses a label selector in kubectl's string form — `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, joined by commas — into a LabelSelector. Throws on bad syntax.
 */
export function parseSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {}
  const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = []
  const key = '([A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?)'
  const value = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?'
  // Split on commas outside parentheses.
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  for (const raw of parts.map((p) => p.trim())) {
    if (raw === '') {
      if (parts.length === 1) continue
      throw new Error(`empty requirement in selector "${text}"`)
    }
    let m: RegExpMatchArray | null
    if ((m = raw.match(new RegExp(`^${key}\\s*(==|=)\\s*${value}$`))))
      matchLabels[m[1]!] = m[4] ?? ''
    else if ((m = raw.match(new RegExp(`^${key}\\s*!=\\s*${value}$`))))
      matchExpressions.push({ key: m[1]!, operator: 'NotIn', values: [m[3] ?? ''] })
    else if ((m = raw.match(new RegExp(`^${key}\\s+(in|notin)\\s*\\(([^()]*)\\)$`)))) {
      const values = m[4]!.split(',').map((v) => v.trim())
      if (values.some((v) => !new RegExp(`^${value}$`).test(v)))
        throw new Error(`bad value in "${raw}"`)
      matchExpressions.push({ key: m[1]!, operator: m[3] === 'in' ? 'In' : 'NotIn', values })
    } else if ((m = raw.match(new RegExp(`^${key}$`))))
      matchExpressions.push({ key: m[1]!, operator: 'Exists' })
    else if ((m = raw.match(new RegExp(`^!\\s*${key}$`))))
      matchExpressions.push({ key: m[1]!, operator: 'DoesNotExist' })
    else throw new Error(`cannot parse "${raw}" in selector "${text}"`)
  }
  return {
    ...(Object.keys(matchLabels).length > 0 && { matchLabels }),
    ...(matchExpressions.length > 0 && { matchExpressions }),
  }
}
