import { encodeReplies, REPLY_PENDING, REPLY_TEXT } from "@pkgindex/protocol";

// Strict request/reply traffic writes one reply at a time: those writes use
// these shared, never-modified buffers instead of allocating one each.
const SINGLE_REPLY: readonly Buffer[] = REPLY_TEXT.map((text) => Buffer.from(text, "latin1"));

/** Where a ring reports how long each reply took (CommandStats.recordRequest). */
export interface RequestTimer {
  recordRequest(seconds: number): void;
}

/**
 * The FIFO of reply slots of one connection. A slot is filled either at
 * once (a locally answered ERROR, or a command applied on this thread) or
 * later, when the state owner's codes arrive; replies leave strictly from
 * the head, so an early ERROR never overtakes an earlier command.
 */
export class ReplyRing {
  // Eight slots: strict request/reply needs one, and both arrays stay within
  // V8's on-heap typed-array limit (64 bytes), so an idle connection holds
  // no separately allocated backing store. Pipelining clients grow them.
  private codes = new Uint8Array(8);
  /** performance.now() when each slot's request line was read (request latency). */
  private times = new Float64Array(8);
  private mask = 7;
  private head = 0;
  private tail = 0;
  /** Every slot in [head, resolveAt) is filled: pending slots resolve in order. */
  private resolveAt = 0;
  /** Slots resolved and not yet written. */
  private ready = 0;

  /** Slots not yet written (pending or ready). */
  get size(): number {
    return this.tail - this.head;
  }

  /** Slots waiting for a code from elsewhere (the state owner, a commit). */
  get pendingCount(): number {
    return this.tail - this.head - this.ready;
  }

  get readyCount(): number {
    return this.ready;
  }

  /** A slot for a line read at `readAt` (performance.now()). */
  push(code: number, readAt = 0): void {
    if (this.tail - this.head > this.mask) this.grow();
    this.codes[this.tail & this.mask] = code;
    this.times[this.tail & this.mask] = readAt;
    this.tail++;
    if (code !== REPLY_PENDING) this.ready++;
  }

  /** Fills the oldest pending slot. */
  resolve(code: number): void {
    const codes = this.codes;
    const mask = this.mask;
    let at = this.resolveAt;
    while (at < this.tail && codes[at & mask] !== REPLY_PENDING) at++;
    if (at === this.tail) return; // connection reset: nothing is waiting
    codes[at & mask] = code;
    this.resolveAt = at + 1;
    this.ready++;
  }

  /**
   * Takes every ready slot at the head as one buffer of reply text, or
   * null when the head is still pending. With a timer, each reply taken is
   * reported as `now` minus its slot's read time.
   */
  takeReady(timer?: RequestTimer, now = 0): Buffer | null {
    const codes = this.codes;
    const mask = this.mask;
    let count = 0;
    while (this.head + count < this.tail && codes[(this.head + count) & mask] !== REPLY_PENDING) count++;
    if (count === 0) return null;
    if (timer !== undefined) {
      const times = this.times;
      for (let i = 0; i < count; i++) timer.recordRequest((now - times[(this.head + i) & mask]) / 1000);
    }
    if (count === 1) {
      const code = codes[this.head & mask];
      this.head++;
      this.ready--;
      if (this.resolveAt < this.head) this.resolveAt = this.head;
      return SINGLE_REPLY[code];
    }
    const out = encodeReplies(codes, this.head & mask, count, mask);
    this.head += count;
    this.ready -= count;
    if (this.resolveAt < this.head) this.resolveAt = this.head;
    return out;
  }

  /** Drops every slot, pending or ready, unwritten (the connection is abandoned). */
  clear(): void {
    this.head = this.tail;
    this.resolveAt = this.tail;
    this.ready = 0;
  }

  private grow(): void {
    const size = this.codes.length * 2;
    const next = new Uint8Array(size);
    const nextTimes = new Float64Array(size);
    const count = this.tail - this.head;
    for (let i = 0; i < count; i++) {
      next[i] = this.codes[(this.head + i) & this.mask];
      nextTimes[i] = this.times[(this.head + i) & this.mask];
    }
    const shift = this.head;
    this.codes = next;
    this.times = nextTimes;
    this.mask = size - 1;
    this.head = 0;
    this.tail = count;
    this.resolveAt -= shift;
    if (this.resolveAt < 0) this.resolveAt = 0;
  }
}
