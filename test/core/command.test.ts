import { describe, expect, it } from 'vitest'
import { splitCommand } from '../../hooks/core/k8s/command.ts'

describe('splitCommand', () => {
  it.each([
    { line: 'custom command', words: ['custom', 'command'], reason: 'whitespace separates words' },
    { line: '  a \t b\n', words: ['a', 'b'], reason: 'runs of whitespace and edges are ignored' },
    { line: `echo 'a  b' "c d"`, words: ['echo', 'a  b', 'c d'], reason: 'quotes keep spaces' },
    {
      line: `sh -c "echo \\"hi\\" && sleep 1"`,
      words: ['sh', '-c', 'echo "hi" && sleep 1'],
      reason: 'escaped quotes inside double quotes',
    },
    { line: `a\\ b c`, words: ['a b', 'c'], reason: 'backslash escapes a space' },
    { line: `say ''`, words: ['say', ''], reason: 'an empty quoted word is a word' },
    {
      line: `curl $(URI) | tee *`,
      words: ['curl', '$(URI)', '|', 'tee', '*'],
      reason: 'no shell: operators and $(VAR) are literal',
    },
    { line: `x'y'"z"`, words: ['xyz'], reason: 'adjacent quoted parts join into one word' },
    { line: '', words: [], reason: 'empty line has no words' },
  ])('$line → $words ($reason)', ({ line, words }) => {
    expect(splitCommand(line)).toEqual(words)
  })

  it.each([
    { line: `echo 'oops`, error: /unterminated single quote at character 6/ },
    { line: `echo "oops`, error: /unterminated double quote/ },
    { line: `echo \\`, error: /trailing backslash/ },
  ])('rejects $line', ({ line, error }) => {
    expect(() => splitCommand(line)).toThrow(error)
  })
})
