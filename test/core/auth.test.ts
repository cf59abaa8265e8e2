import { describe, expect, it } from 'vitest'
import { goTrimSpace, offeredScheme } from '../../hooks/core/http/auth.ts'

describe('goTrimSpace: what Metacontroller does to every Secret value it sends (Go strings.TrimSpace)', () => {
  it.each([
    { input: '  tok\n', output: 'tok', reason: 'ASCII whitespace at both ends' },
    { input: '\u0085tok\u00a0', output: 'tok', reason: 'NEL and NBSP are White_Space in Go' },
    { input: '\u3000tok\u2028', output: 'tok', reason: 'ideographic space, line separator' },
    {
      input: '\ufefftok',
      output: '\ufefftok',
      reason: 'a BOM is not White_Space in Go (String.prototype.trim would drop it)',
    },
    { input: 't o k', output: 't o k', reason: 'inner whitespace stays' },
  ])('$reason', ({ input, output }) => {
    expect(goTrimSpace(input)).toBe(output)
  })
})

describe('offeredScheme: what a refusal may log of the Authorization header', () => {
  it.each([
    { header: undefined, logged: 'none' },
    { header: '', logged: 'none' },
    { header: 'Bearer abc', logged: 'Bearer' },
    { header: 'bearer abc', logged: 'bearer' },
    { header: 'Basic dXNlcjpwdw==', logged: 'Basic' },
    { header: 'Token abc', configured: 'Token', logged: 'Token' },
    { header: 'Token abc', logged: 'unregistered' },
    { header: 'abcdef0123456789', logged: 'malformed' },
    { header: 'Bearer\tabc', logged: 'malformed' },
    { header: 'Bearer  abc', logged: 'malformed' },
    { header: 'Basic,abc', logged: 'malformed' },
    { header: 'Bearer', logged: 'malformed' },
    { header: `${'x'.repeat(40)} y`, logged: 'malformed' },
  ])('$header → $logged', ({ header, configured, logged }) => {
    expect(offeredScheme(header, configured)).toBe(logged)
  })
})
