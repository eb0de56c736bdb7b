export const REPLY_OK = 0;
export const REPLY_FAIL = 1;
export const REPLY_ERROR = 2;
/** Not a reply the protocol has. */
export const REPLY_INVALID = -1;

export const REPLY_NAMES = ["OK", "FAIL", "ERROR"] as const;

const CR = 13;

/**
 * The reply in buf[start, end) (the line without its `\n`; one `\r` before
 * it is tolerated), compared as bytes so no string is made per reply.
 */
export function classifyReply(buf: Uint8Array, start: number, end: number): number {
  if (end > start && buf[end - 1] === CR) end--;
  const n = end - start;
  if (n === 2 && buf[start] === 79 && buf[start + 1] === 75) return REPLY_OK; // OK
  if (n === 4 && buf[start] === 70 && buf[start + 1] === 65 && buf[start + 2] === 73 && buf[start + 3] === 76) return REPLY_FAIL; // FAIL
  if (n === 5 && buf[start] === 69 && buf[start + 1] === 82 && buf[start + 2] === 82 && buf[start + 3] === 79 && buf[start + 4] === 82) {
    return REPLY_ERROR; // ERROR
  }
  return REPLY_INVALID;
}
