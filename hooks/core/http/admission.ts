/**
 * What a hook request must be granted before it is read and run: one of METAHOOKS_MAX_CONCURRENCY
 * slots and its body's bytes in METAHOOKS_MAX_BYTES_IN_FLIGHT (a declared length reserved all at
 * once, an undeclared one as it arrives). Both are taken when the request arrives and held until
 * its answer is built, so load past either limit is shed at once with 429 instead of queueing
 * into Metacontroller's timeout, and memory follows the bytes admitted.
 *
 * A request whose body is still arriving after GRACE_MS can be preempted: when a newer request
 * finds no slot or no room in the budget, the slowest such uploads give theirs up (and are answered
 * 429). So trickling uploads — 64 of them, or one declaring 16 MiB — hold the server for at most the
 * grace while anyone else is waiting, and never lock valid callers out. 0 = no limit, for either.
 */
export const GRACE_MS = 1000

export type Refusal = 'slots' | 'bytes'

export class Ticket {
  /** Bytes of the budget this request holds. */
  bytes: number
  /** Bytes of its body received so far. */
  received = 0
  /** Its body has arrived: it can no longer be preempted. */
  arrived = false
  preempted = false
  /** Called when the request loses its slot and bytes to a newer one. */
  onPreempt: (ending: 'preempted') => void = () => {}

  constructor(
    bytes: number,
    readonly since: number,
  ) {
    this.bytes = bytes
  }
}

export class Admission {
  private readonly tickets = new Set<Ticket>()
  private bytesReserved = 0

  constructor(
    readonly maxConcurrency: number,
    readonly maxBytesInFlight: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A slot and `bytes` of the budget for a request that has just arrived, or why there is none. */
  admit(bytes: number): Ticket | Refusal {
    const slotShort = this.maxConcurrency > 0 && this.tickets.size >= this.maxConcurrency ? 1 : 0
    const bytesShort =
      this.maxBytesInFlight > 0
        ? Math.max(0, this.bytesReserved + bytes - this.maxBytesInFlight)
        : 0
    if ((slotShort > 0 || bytesShort > 0) && !this.preempt(slotShort, bytesShort))
      return slotShort > 0 ? 'slots' : 'bytes'
    const ticket = new Ticket(bytes, this.now())
    this.tickets.add(ticket)
    this.bytesReserved += bytes
    return ticket
  }

  /** Records that `ticket`'s body has reached `size` bytes, reserving what it has beyond its reservation; false when that does not fit. */
  progress(ticket: Ticket, size: number): boolean {
    ticket.received = size
    const extra = size - ticket.bytes
    if (extra <= 0) return true
    if (this.maxBytesInFlight > 0 && this.bytesReserved + extra > this.maxBytesInFlight) {
      if (!this.preempt(0, this.bytesReserved + extra - this.maxBytesInFlight, ticket)) return false
    }
    ticket.bytes = size
    this.bytesReserved += extra
    return true
  }

  /** The ticket's body has arrived: from now on it keeps its slot until released. */
  arrived(ticket: Ticket): void {
    ticket.arrived = true
  }

  release(ticket: Ticket): void {
    if (!this.tickets.delete(ticket)) return
    this.bytesReserved -= ticket.bytes
  }

  /**
   * Frees `slots` slots and `bytes` bytes by preempting uploads older than the grace, slowest
   * first; preempts nobody and returns false when even all of them would not free enough.
   */
  private preempt(slots: number, bytes: number, except?: Ticket): boolean {
    const now = this.now()
    const rate = (t: Ticket) => t.received / Math.max(1, now - t.since)
    const candidates = [...this.tickets]
      .filter((t) => t !== except && !t.arrived && now - t.since >= GRACE_MS)
      .sort((a, b) => rate(a) - rate(b))
    const chosen: Ticket[] = []
    let freedSlots = 0
    let freedBytes = 0
    for (const t of candidates) {
      if (freedSlots >= slots && freedBytes >= bytes) break
      chosen.push(t)
      freedSlots++
      freedBytes += t.bytes
    }
    if (freedSlots < slots || freedBytes < bytes) return false
    for (const t of chosen) {
      this.release(t)
      t.preempted = true
      t.onPreempt('preempted')
    }
    return true
  }

  get inFlight(): { slots: number; bytes: number } {
    return { slots: this.tickets.size, bytes: this.bytesReserved }
  }
}
