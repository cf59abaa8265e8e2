/**
 * Splits a command line into a container `command` array the way a POSIX shell splits words,
 * without running a shell: whitespace separates words; '…' is literal; "…" is literal except
 * for \" \\ \$ and \`; a backslash outside quotes escapes the next character. Nothing is
 * expanded or interpreted — `|`, `>`, `*` and `$(VAR)` stay literal arguments (Kubernetes itself
 * expands `$(VAR)` from the container's env). An unterminated quote or a trailing backslash is an
 * error rather than a guess. (shell-quote, the common library, accepts unterminated quotes and
 * rewrites `${X}`, so it cannot tell users their command is broken.)
 */
export function splitCommand(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let i = 0
  while (i < line.length) {
    const ch = line[i]!
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      i++
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new Error(`unterminated single quote at character ${i + 1}`)
      word += line.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (ch === '"') {
      let j = i + 1
      for (;;) {
        if (j >= line.length) throw new Error(`unterminated double quote at character ${i + 1}`)
        const c = line[j]!
        if (c === '"') break
        if (c === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) {
          word += line[j + 1]
          j += 2
        } else {
          word += c
          j++
        }
      }
      inWord = true
      i = j + 1
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new Error('trailing backslash')
      word += line[i + 1]
      inWord = true
      i += 2
    } else {
      word += ch
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return words
}
