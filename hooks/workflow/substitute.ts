/** `{{ name }}` references in a string, in order. */
export function references(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}]+?)\s*\}\}/g)].map((m) => m[1]!)
}

export class UnresolvedError extends Error {}

/** Replaces every `{{ name }}` with `lookup(name)`; an unknown name throws UnresolvedError. */
export function substitute(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (_, name: string) => {
    const value = lookup(name)
    if (value === undefined) throw new UnresolvedError(`cannot resolve {{${name}}}`)
    return value
  })
}
