/**
 * What a hook request must be granted, and when. Its body's bytes are reserved in a budget before
 * they are read (a body of declared length reserves it all up front, one of undeclared length as it
 * arrives), and held until the answer is built: memory follows the bytes being parsed and worked on,
 * so the budget bounds the server's memory (see DEFAULT_MAX_BYTES_IN_FLIGHT). A slot of the
 * concurrency limit is taken only once the body has arrived, so a slow or stalled upload can hold
 * bytes of the budget until its deadline but never a slot; it cannot lock callers out. 0 = no limit,
 * for either.
 */
export class Admission {
  private slotsTaken = 0
  private bytesReserved = 0

  constructor(
    readonly maxConcurrency: number,
    readonly maxBytesInFlight: number,
  ) {}

  /** Whether a request arriving now would find no slot (checked early, so it is refused without reading its body). */
  slotsFull(): boolean {
    return this.maxConcurrency > 0 && this.slotsTaken >= this.maxConcurrency
  }

  /** Takes a slot; false when none is free. */
  enter(): boolean {
    if (this.slotsFull()) return false
    this.slotsTaken++
    return true
  }

  leave(): void {
    this.slotsTaken--
  }

  /** Reserves `bytes` more of the budget; false (nothing reserved) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.maxBytesInFlight > 0 && this.bytesReserved + bytes > this.maxBytesInFlight) return false
    this.bytesReserved += bytes
    return true
  }

  release(bytes: number): void {
    this.bytesReserved -= bytes
  }

  get inFlight(): { slots: number; bytes: number } {
    return { slots: this.slotsTaken, bytes: this.bytesReserved }
  }
}
