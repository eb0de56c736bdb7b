// A single-producer single-consumer ring of byte records in a
// SharedArrayBuffer: the hop between an I/O worker and the state owner
// without a MessagePort (no serialization, no transfer, no message object).
// The ring modes of hop-transports.ts use it. The server does not: measured,
// the thread wake-up costs the hop, not the message (DECISIONS.md, issue 11).
//
// A record is a 4-byte length and its bytes, padded to 4. A record never
// wraps: when it does not fit before the end, the producer writes a WRAP
// marker and starts it at offset 0. Positions are byte counters that wrap at
// 2^32 (Int32 arithmetic); the ring's capacity is a power of two below 2^30.
//
// Publication: the producer writes the record's bytes with plain stores and
// then stores `tail` with Atomics.store; the consumer reads `tail` with
// Atomics.load before it reads any byte. Atomics are sequentially consistent
// in the JS memory model, so every byte written before the tail store is
// visible after the load that sees it: a consumer never sees part of a
// record. The same holds in the other direction for `head` (space freed).

/** head and tail live 64 bytes apart (no false sharing). */
const HEAD = 0;
const TAIL = 16;
const CONTROL_INTS = 32;
const CONTROL_BYTES = CONTROL_INTS * 4;
const WRAP = -1;

/** Bytes a record of `length` payload bytes takes in a ring. */
export function recordBytes(length: number): number {
  return 4 + ((length + 3) & ~3);
}

/** The shared memory of one ring: hand it to the other thread, which wraps it in the other end. */
export interface ByteRingMemory {
  buffer: SharedArrayBuffer;
  capacity: number;
}

export function createRingMemory(capacity: number): ByteRingMemory {
  if (capacity < 64 || capacity > 1 << 29 || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two from 64 to 2^29, got ${capacity}`);
  }
  return { buffer: new SharedArrayBuffer(CONTROL_BYTES + capacity), capacity };
}

class RingView {
  protected readonly control: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly words: Int32Array;
  protected readonly mask: number;
  readonly capacity: number;

  constructor(memory: ByteRingMemory) {
    this.capacity = memory.capacity;
    this.mask = memory.capacity - 1;
    this.control = new Int32Array(memory.buffer, 0, CONTROL_INTS);
    this.bytes = new Uint8Array(memory.buffer, CONTROL_BYTES, memory.capacity);
    this.words = new Int32Array(memory.buffer, CONTROL_BYTES, memory.capacity >> 2);
  }
}

/**
 * The producer's end. `write` reserves and fills a record; `publish` makes
 * every record written so far visible. They are separate so a producer can
 * write a reply now and release it later (after a commit) without a copy;
 * `writeAndPublish` is both.
 */
export class RingWriter extends RingView {
  /** Our end of written records: at or ahead of the shared tail. */
  private reserved: number;

  constructor(memory: ByteRingMemory) {
    super(memory);
    this.reserved = Atomics.load(this.control, TAIL);
  }

  /** Whether a record of `length` bytes fits now (after what is written, published or not). */
  fits(length: number): boolean {
    return this.spaceNeeded(length) <= this.capacity - ((this.reserved - Atomics.load(this.control, HEAD)) | 0);
  }

  /** The largest payload a ring of this size ever accepts. */
  get maxRecord(): number {
    return (this.capacity >> 1) - 4;
  }

  /**
   * Copies src[start, end) in as one record; false (nothing written) when it
   * does not fit now. Not visible to the consumer until publish().
   */
  write(src: Buffer, start: number, end: number): boolean {
    const length = end - start;
    if (length > this.maxRecord || !this.fits(length)) return false;
    // Buffer#copy is a memcpy and makes no view object (subarray would).
    src.copy(this.bytes, this.startRecord(length) + 4, start, end);
    return true;
  }

  /** As write(), for `length` bytes that `fill(bytes, offset)` writes into the ring itself. */
  writeWith(length: number, fill: (bytes: Uint8Array, offset: number) => void): boolean {
    if (length > this.maxRecord || !this.fits(length)) return false;
    fill(this.bytes, this.startRecord(length) + 4);
    return true;
  }

  /** Position after the last record written: what publish(upTo) may be given later. */
  get written(): number {
    return this.reserved;
  }

  /** Makes records up to position `upTo` (default: all written) visible, in order. */
  publish(upTo: number = this.reserved): void {
    Atomics.store(this.control, TAIL, upTo);
  }

  writeAndPublish(src: Buffer, start: number, end: number): boolean {
    if (!this.write(src, start, end)) return false;
    this.publish();
    return true;
  }

  private spaceNeeded(length: number): number {
    const need = recordBytes(length);
    const contiguous = this.capacity - (this.reserved & this.mask);
    return contiguous < need ? need + contiguous : need;
  }

  /** Writes the header (and a WRAP marker first if needed); returns the record's offset. */
  private startRecord(length: number): number {
    const need = recordBytes(length);
    let at = this.reserved & this.mask;
    if (this.capacity - at < need) {
      this.words[at >> 2] = WRAP;
      this.reserved = (this.reserved + (this.capacity - at)) | 0;
      at = 0;
    }
    this.words[at >> 2] = length;
    this.reserved = (this.reserved + need) | 0;
    return at;
  }
}

/** The consumer's end: reads published records in order. */
export class RingReader extends RingView {
  private head: number;
  /** Offset and length of the record `next()` returned, valid until `release()`. */
  offset = 0;
  length = 0;

  constructor(memory: ByteRingMemory) {
    super(memory);
    this.head = Atomics.load(this.control, HEAD);
  }

  /** The ring's bytes: the current record is bytes[offset, offset + length). */
  get data(): Uint8Array {
    return this.bytes;
  }

  /** Whether a published record is waiting. */
  get ready(): boolean {
    return Atomics.load(this.control, TAIL) !== this.head;
  }

  /**
   * Moves to the next published record (sets offset and length); false when
   * there is none. The record stays ours until release().
   */
  next(): boolean {
    const tail = Atomics.load(this.control, TAIL);
    if (tail === this.head) return false;
    let at = this.head & this.mask;
    let length = this.words[at >> 2];
    if (length === WRAP) {
      this.head = (this.head + (this.capacity - at)) | 0;
      at = 0;
      length = this.words[0];
    }
    this.offset = at + 4;
    this.length = length;
    return true;
  }

  /** Hands the current record's space back to the producer. */
  release(): void {
    this.head = (this.head + recordBytes(this.length)) | 0;
    Atomics.store(this.control, HEAD, this.head);
  }
}
