/**
 * Called once per complete line. `end` excludes the `\n` and one `\r` before
 * it. The buffer is only valid during the call.
 */
export type LineHandler<T = unknown> = (this: T, buf: Buffer, start: number, end: number) => void;

// Shared by every framer with nothing carried over: a framer per connection
// allocates nothing until a line spans two chunks.
const EMPTY = Buffer.alloc(0);

export const FRAME_OK = 0;
export const FRAME_LINE_TOO_LONG = 1;

const NEWLINE = 10;
const CR = 13;

/**
 * Splits a byte stream into lines. Bytes of an unfinished line are carried
 * over between chunks in one growable buffer, capped at `maxLineBytes`, so
 * the memory a connection holds stays bounded whatever the client sends.
 */
export class LineFramer {
  readonly maxLineBytes: number;
  private carry: Buffer;
  private carryLength = 0;

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
    this.carry = EMPTY;
  }

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.carryLength;
  }

  /**
   * Feeds one chunk. Returns FRAME_LINE_TOO_LONG as soon as a line exceeds
   * the limit; lines before it have already been handed to `onLine`, and the
   * framer must not be fed again.
   */
  push<T>(chunk: Buffer, onLine: LineHandler<T>, self?: T): number {
    let start = 0;
    const length = chunk.length;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return this.append(chunk, 0, length);
      if (this.append(chunk, 0, nl) !== FRAME_OK) return FRAME_LINE_TOO_LONG;
      const carry = this.carry;
      let end = this.carryLength;
      this.carryLength = 0;
      if (end > 0 && carry[end - 1] === CR) end--;
      if (end > this.maxLineBytes) return FRAME_LINE_TOO_LONG;
      onLine.call(self as T, carry, 0, end);
      // A line that spanned chunks is rare: its buffer is not kept for the
      // next one (an idle connection holds no carry-over memory).
      this.carry = EMPTY;
      start = nl + 1;
    }
    const max = this.maxLineBytes;
    while (start < length) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) return this.append(chunk, start, length);
      let end = nl;
      if (end > start && chunk[end - 1] === CR) end--;
      if (end - start > max) return FRAME_LINE_TOO_LONG;
      onLine.call(self as T, chunk, start, end);
      start = nl + 1;
    }
    return FRAME_OK;
  }

  private append(chunk: Buffer, from: number, to: number): number {
    const needed = this.carryLength + (to - from);
    // One byte of slack: a trailing `\r` is not part of the line's length.
    if (needed > this.maxLineBytes + 1) return FRAME_LINE_TOO_LONG;
    if (needed > this.carry.length) {
      // allocUnsafeSlow: a pooled slice would pin Node's whole 8 KiB pool chunk for as long as the line waits.
      const grown = Buffer.allocUnsafeSlow(Math.min(Math.max(needed, this.carry.length * 2, 256), this.maxLineBytes + 1));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    chunk.copy(this.carry, this.carryLength, from, to);
    this.carryLength = needed;
    return FRAME_OK;
  }
}
