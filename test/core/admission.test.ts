import { describe, expect, it } from 'vitest'
import { Admission, GRACE_MS, Ticket } from '../../hooks/core/http/admission.ts'

// The admission rules with a hand-driven clock: who gets a slot and bytes, and whom a newcomer may
// take them from.

function setup(slots: number, bytes: number) {
  let now = 0
  const admission = new Admission(slots, bytes, () => now)
  const preempted: string[] = []
  const admit = (name: string, size: number) => {
    const t = admission.admit(size)
    if (t instanceof Ticket) t.onPreempt = () => preempted.push(name)
    return t
  }
  return { admission, admit, preempted, tick: (ms: number) => (now += ms) }
}

describe('Admission', () => {
  it('refuses past either limit, and gives back on release', () => {
    const { admission, admit } = setup(2, 100)
    const a = admit('a', 60) as Ticket
    expect(admit('b', 60)).toBe('bytes')
    const b = admit('b', 40) as Ticket
    expect(admit('c', 0)).toBe('slots')
    admission.release(a)
    expect(admission.inFlight).toEqual({ slots: 1, bytes: 40 })
    admission.release(b)
    expect(admission.inFlight).toEqual({ slots: 0, bytes: 0 })
  })

  it('a newcomer takes the slot of the slowest upload older than the grace, never of one younger or already arrived', () => {
    const { admission, admit, preempted, tick } = setup(3, 0)
    const fast = admit('fast', 0) as Ticket
    const slow = admit('slow', 0) as Ticket
    const done = admit('done', 0) as Ticket
    admission.arrived(done)
    tick(GRACE_MS - 1)
    admission.progress(fast, 5000)
    admission.progress(slow, 10)
    expect(admit('early', 0)).toBe('slots')
    expect(preempted).toEqual([])
    tick(1)
    expect(admit('late', 0)).toBeInstanceOf(Ticket)
    expect(preempted).toEqual(['slow'])
    expect(slow.preempted).toBe(true)
    expect(admission.inFlight.slots).toBe(3)
  })

  it('frees enough bytes for the newcomer or preempts nobody', () => {
    const { admission, admit, preempted, tick } = setup(0, 100)
    const a = admit('a', 30) as Ticket
    const b = admit('b', 30) as Ticket
    admit('c', 30)
    admission.arrived(b)
    tick(GRACE_MS)
    // 90 reserved: 70 more need 60 freed, but only a (30) and c (30) are preemptable: 60 — enough.
    expect(admit('d', 70)).toBeInstanceOf(Ticket)
    expect(preempted.sort()).toEqual(['a', 'c'])
    expect(a.preempted).toBe(true)
    // 100 reserved (b 30 + d 70), nothing preemptable: refused, nobody preempted.
    expect(admit('e', 1)).toBe('bytes')
    expect(preempted).toHaveLength(2)
  })

  it('a body of undeclared length reserves as it arrives, and is refused past the budget', () => {
    const { admission, admit } = setup(0, 100)
    const t = admit('t', 0) as Ticket
    expect(admission.progress(t, 80)).toBe(true)
    expect(admission.inFlight.bytes).toBe(80)
    expect(admission.progress(t, 101)).toBe(false)
    expect(admission.inFlight.bytes).toBe(80)
  })
})
