import { fnv32a } from './hash.ts'

/**
 * The name rules of the Kubernetes API server (k8s.io/apimachinery validation), per kind, and the
 * helpers that make names and label values which follow them. An object whose name breaks its
 * kind's rule is refused on create, so a hook must never be asked about one nor answer with one.
 */
export type NameFormat = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment'

export interface NameRule {
  format: NameFormat
  /** The longest name the API server accepts. */
  max: number
}

const LABEL_PART = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_LABEL = new RegExp(`^${LABEL_PART}$`)
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL_PART}(\\.${LABEL_PART})*$`)
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** The rule of most kinds and of every custom resource. */
export const SUBDOMAIN: NameRule = { format: 'dns1123-subdomain', max: 253 }
/** The least any object's name must be (the RBAC kinds' rule). */
export const PATH_SEGMENT: NameRule = { format: 'path-segment', max: 253 }
const RBAC = PATH_SEGMENT

/** Kinds whose names are not DNS-1123 subdomains of up to 253, the rule of every other built-in kind and of every custom resource. */
const RULES: Record<string, NameRule> = {
  'Namespace.v1': { format: 'dns1123-label', max: 63 },
  'Service.v1': { format: 'dns1035-label', max: 63 },
  // The API server labels a Job's Pods with its name (a label value: at most 63).
  'Job.batch/v1': { format: 'dns1123-subdomain', max: 63 },
  'CronJob.batch/v1': { format: 'dns1123-subdomain', max: 52 },
  'Role.rbac.authorization.k8s.io/v1': RBAC,
  'ClusterRole.rbac.authorization.k8s.io/v1': RBAC,
  'RoleBinding.rbac.authorization.k8s.io/v1': RBAC,
  'ClusterRoleBinding.rbac.authorization.k8s.io/v1': RBAC,
}

/**
 * Where a working object needs a shorter name than the API server insists on: a StatefulSet's
 * Pods carry `statefulset.kubernetes.io/pod-name: <name>-<ordinal>` (a label value, at most 63), so
 * a longer StatefulSet is stored but never gets Pods.
 */
const WORKING_MAX: Record<string, number> = { 'StatefulSet.apps/v1': 52 }

export interface TypeRef {
  apiVersion: string
  kind: string
}

export function nameRule(apiVersion: string, kind: string): NameRule {
  return RULES[`${kind}.${apiVersion}`] ?? SUBDOMAIN
}

const EXPLAINED: Record<NameFormat, string> = {
  'dns1123-subdomain':
    'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
  'dns1123-label':
    'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  'dns1035-label':
    'a DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit',
  'path-segment': 'non-empty, without "/" or "%", and not "." or ".."',
}

/** What the rule asks of a name, for messages. */
export function explainNameRule(rule: NameRule): string {
  return `${EXPLAINED[rule.format]}, at most ${rule.max} characters`
}

function matchesFormat(format: NameFormat, name: string): boolean {
  switch (format) {
    case 'dns1123-subdomain':
      return DNS1123_SUBDOMAIN.test(name)
    case 'dns1123-label':
      return DNS1123_LABEL.test(name)
    case 'dns1035-label':
      return DNS1035_LABEL.test(name)
    case 'path-segment':
      return (
        name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%')
      )
  }
}

export function isValidName(rule: NameRule, name: string): boolean {
  return name.length <= rule.max && matchesFormat(rule.format, name)
}

/** A namespace's name: a DNS-1123 label. */
export const NAMESPACE_RULE: NameRule = RULES['Namespace.v1']!

export function isValidNamespace(name: string): boolean {
  return isValidName(NAMESPACE_RULE, name)
}

/** The characters a format allows, as a class, and how its names may not start. */
const ALLOWED: Record<NameFormat, RegExp> = {
  'dns1123-subdomain': /[^a-z0-9.-]+/g,
  'dns1123-label': /[^a-z0-9-]+/g,
  'dns1035-label': /[^a-z0-9-]+/g,
  'path-segment': /[/%]+/g,
}

/** `text` in the characters of `format`, without leading or trailing separators. */
function tidy(format: NameFormat, text: string): string {
  const lowered = format === 'path-segment' ? text : text.toLowerCase()
  return lowered.replace(ALLOWED[format], '-').replace(/^[-.]+|[-.]+$/g, '')
}

/**
 * The name of a child of type `type` made from `parts` joined with "-" (usually the parent's name
 * and a suffix): the joined text itself when it is a valid name of that kind, else — too long, or
 * with characters the kind does not allow — a name that is: the parts tidied and cut to fit, an
 * 8-digit hash of the joined text, and the last part kept whole when it is short (an ordinal, a
 * role), like Kubernetes' own generated names. Deterministic, and two different texts never meet
 * on one shortened name unless their hashes collide.
 */
export function childName(type: TypeRef, ...parts: string[]): string {
  const rule = nameRule(type.apiVersion, type.kind)
  return fitName(
    {
      format: rule.format,
      max: Math.min(rule.max, WORKING_MAX[`${type.kind}.${type.apiVersion}`] ?? rule.max),
    },
    ...parts,
  )
}

/** `childName` for a rule of your own (a Helm release name, a container name). */
export function fitName(rule: NameRule, ...parts: string[]): string {
  const joined = parts.join('-')
  const max = rule.max
  if (joined.length <= max && matchesFormat(rule.format, joined)) return joined
  const hash = fnv32a(joined)
  const last = parts.length > 1 ? tidy(rule.format, parts.at(-1)!) : ''
  const tail = last !== '' && last.length <= 16 ? `-${hash}-${last}` : `-${hash}`
  let head = tidy(
    rule.format,
    parts.length > 1 && tail.length > 9 ? parts.slice(0, -1).join('-') : joined,
  )
    .slice(0, max - tail.length)
    .replace(/[-.]+$/, '')
  // A DNS-1035 name starts with a letter.
  if (rule.format === 'dns1035-label' && !/^[a-z]/.test(head))
    head = `x${head}`.slice(0, max - tail.length).replace(/[-.]+$/, '')
  const name = `${head}${tail}`.replace(/^[-.]+/, '')
  return matchesFormat(rule.format, name) ? name : `x${name}`.slice(0, max)
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

export function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value)
}

/**
 * `text` as a label value (at most 63 of letters, digits, "-", "_", ".", starting and ending with
 * a letter or digit): itself when it already is one, else tidied and cut with an 8-digit hash of
 * the whole, so a long name can still be selected by.
 */
export function labelValueOf(text: string): string {
  if (isValidLabelValue(text)) return text
  const head = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 54)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return head === '' ? fnv32a(text) : `${head}-${fnv32a(text)}`
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

/** A label or annotation key: an optional DNS-1123 subdomain prefix of up to 253 and "/", then a name of up to 63. */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/')
  const name = slash < 0 ? key : key.slice(slash + 1)
  const prefix = slash < 0 ? undefined : key.slice(0, slash)
  if (prefix !== undefined && !isValidName(SUBDOMAIN, prefix)) return false
  return name.length <= 63 && LABEL_NAME.test(name)
}
