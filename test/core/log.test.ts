import { describe, expect, it } from 'vitest'
import { batchedLogger } from '../../hooks/core/http/log.ts'

describe('batchedLogger', () => {
  it('writes the lines of one event-loop turn in one write, one JSON object per line', async () => {
    const writes: string[] = []
    const log = batchedLogger((text) => writes.push(text))
    log({ msg: 'a', n: 1 })
    log({ msg: 'b', n: 2 })
    expect(writes).toEqual([])
    await new Promise((r) => setImmediate(r))
    expect(writes).toHaveLength(1)
    const lines = writes[0]!
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toMatchObject([
      { msg: 'a', n: 1 },
      { msg: 'b', n: 2 },
    ])
    expect(typeof lines[0].time).toBe('string')
    log({ msg: 'c' })
    log.flush()
    expect(writes).toHaveLength(2)
  })
})
