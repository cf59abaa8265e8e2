import type { z } from 'zod'

/** One line per zod issue: `path: message`, capped so error bodies stay short. */
export function formatIssues(error: z.ZodError, prefix = '', max = 8): string[] {
  const lines = error.issues.slice(0, max).map((issue) => {
    const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .filter((p) => p !== '')
      .join('.')
      .replace(/\.\[/g, '[')
    return path ? `${path}: ${issue.message}` : issue.message
  })
  if (error.issues.length > max) lines.push(`… and ${error.issues.length - max} more`)
  return lines
}

/** Input quoted in an error message or log line, cut short: error bodies end up in Events. */
export function clip(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
