const MAX_NAME_BYTES = 255;

/**
 * The protocol's name rule (DESIGN.md §2): 1–255 bytes of printable ASCII
 * (0x21–0x7E) other than `|` and `,`.
 */
export function isValidName(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > MAX_NAME_BYTES) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x7c || c === 0x2c) return false;
  }
  return true;
}
