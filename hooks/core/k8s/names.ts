/**
 * The name rules of the Kubernetes API server (k8s.io/apimachinery validation), per kind: an object
 * whose name breaks its kind's rule is refused on create, so a hook must never be asked about one
 * nor answer with one.
 */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment'

const LABEL_PART = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_LABEL = new RegExp(`^${LABEL_PART}$`)
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL_PART}(\\.${LABEL_PART})*$`)
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** Kinds whose names are not DNS-1123 subdomains, the rule of every other built-in kind and of every custom resource. */
const RULES: Record<string, NameRule> = {
  'Namespace.v1': 'dns1123-label',
  'Service.v1': 'dns1035-label',
  'Role.rbac.authorization.k8s.io/v1': 'path-segment',
  'ClusterRole.rbac.authorization.k8s.io/v1': 'path-segment',
  'RoleBinding.rbac.authorization.k8s.io/v1': 'path-segment',
  'ClusterRoleBinding.rbac.authorization.k8s.io/v1': 'path-segment',
}

export function nameRule(apiVersion: string, kind: string): NameRule {
  return RULES[`${kind}.${apiVersion}`] ?? 'dns1123-subdomain'
}

const EXPLAINED: Record<NameRule, string> = {
  'dns1123-subdomain': 'a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
  'dns1123-label': 'a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
  'dns1035-label': 'a DNS-1035 label: at most 63 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit',
  'path-segment': 'non-empty, without "/" or "%", and not "." or ".."',
}

/** What the rule asks of a name, for messages. */
export function explainNameRule(rule: NameRule): string {
  return EXPLAINED[rule]
}

export function isValidName(rule: NameRule, name: string): boolean {
  switch (rule) {
    case 'dns1123-subdomain':
      return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
    case 'dns1123-label':
      return name.length <= 63 && DNS1123_LABEL.test(name)
    case 'dns1035-label':
      return name.length <= 63 && DNS1035_LABEL.test(name)
    case 'path-segment':
      return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%')
  }
}

/** A namespace's name: a DNS-1123 label. */
export function isValidNamespace(name: string): boolean {
  return isValidName('dns1123-label', name)
}
