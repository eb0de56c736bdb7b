// Reply codes travel between threads as single bytes in a Uint8Array, so they
// are small integers rather than strings.
export const REPLY_OK = 0;
export const REPLY_FAIL = 1;
export const REPLY_ERROR = 2;
/**
 * No reply will come: the command's outcome is unknown (a PostgreSQL batch
 * whose COMMIT was not confirmed). The connection is closed instead of
 * answered, so the client retries (INDEX and REMOVE are idempotent). Never
 * encoded as text.
 */
export const REPLY_UNANSWERED = 254;
/** A reply slot whose command is still being applied elsewhere. */
export const REPLY_PENDING = 255;

export const REPLY_TEXT: readonly string[] = ["OK\n", "FAIL\n", "ERROR\n"];
const REPLY_LENGTH = [3, 5, 6];

/**
 * Encodes `count` reply codes from `codes` starting at `from` (wrapping at
 * `mask + 1`, the ring size) into one buffer, so a connection does one write
 * per batch of replies.
 */
export function encodeReplies(codes: Uint8Array, from: number, count: number, mask: number): Buffer {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += REPLY_LENGTH[codes[(from + i) & mask]];
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const code = codes[(from + i) & mask];
    if (code === REPLY_OK) {
      out[at] = 79; out[at + 1] = 75; out[at + 2] = 10; at += 3;
    } else if (code === REPLY_FAIL) {
      out[at] = 70; out[at + 1] = 65; out[at + 2] = 73; out[at + 3] = 76; out[at + 4] = 10; at += 5;
    } else {
      out[at] = 69; out[at + 1] = 82; out[at + 2] = 82; out[at + 3] = 79; out[at + 4] = 82; out[at + 5] = 10; at += 6;
    }
  }
  return out;
}
