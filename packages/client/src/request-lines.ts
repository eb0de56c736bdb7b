import { PkgIndexClientError } from "./pkgindex-client-error.ts";

const MAX_NAME_BYTES = 255;
const PIPE = 124;
const COMMA = 44;
const NEWLINE = 10;

/** How long a request may be in an error message: a 64 KiB line is not a message. */
const SHOWN_CHARS = 80;

/** A request line (or name) as it appears in error messages: quoted, cut short. */
export function showText(text: string): string {
  return JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text);
}

/**
 * Why `name` is not a protocol name (DESIGN.md §2: 1-255 bytes of printable
 * ASCII other than `|` and `,`), or null when it is one. Checked here so a
 * bad name is a typed error at the call, not an ERROR reply a round trip later.
 */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== "string") return "a name is a string";
  const n = name.length;
  if (n === 0) return "a name is at least 1 byte";
  // Printable ASCII is one byte per UTF-16 unit, so length is the byte count
  // once every unit has been checked.
  if (n > MAX_NAME_BYTES) return `a name is at most ${MAX_NAME_BYTES} bytes, got ${n} characters`;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === PIPE || c === COMMA) return `a name may not contain ${c === PIPE ? "|" : ","}`;
    if (c < 0x21 || c > 0x7e) return `a name is printable ASCII without spaces; character ${i} is U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return null;
}

function checkName(name: unknown, field: string): asserts name is string {
  const problem = nameProblem(name);
  if (problem !== null) {
    throw new PkgIndexClientError("PKGI_CLIENT_INVALID_NAME", { field, name: typeof name === "string" ? showText(name) : String(name), reason: problem });
  }
}

/** The INDEX line for `name` and `deps` (validated); throws PKGI_CLIENT_INVALID_NAME. */
export function indexLine(name: string, deps: readonly string[]): string {
  checkName(name, "package name");
  if (!Array.isArray(deps)) {
    throw new PkgIndexClientError("PKGI_CLIENT_INVALID_NAME", { field: "dependency list", name: String(deps), reason: "dependencies are an array of names" });
  }
  for (let i = 0; i < deps.length; i++) checkName(deps[i], `dependency ${i}`);
  return deps.length === 0 ? `INDEX|${name}|` : `INDEX|${name}|${deps.join(",")}`;
}

export function removeLine(name: string): string {
  checkName(name, "package name");
  return `REMOVE|${name}|`;
}

export function queryLine(name: string): string {
  checkName(name, "package name");
  return `QUERY|${name}|`;
}

/**
 * Checks a raw line for `send`: anything goes (the server answers ERROR to
 * garbage, which is what `send` is for) except a newline, which would make
 * it two requests and shift every later reply onto the wrong promise.
 */
export function checkRawLine(line: unknown): asserts line is string {
  if (typeof line !== "string") throw new PkgIndexClientError("PKGI_CLIENT_INVALID_REQUEST", { reason: "a request line is a string" });
  if (line.indexOf(String.fromCharCode(NEWLINE)) !== -1) {
    throw new PkgIndexClientError("PKGI_CLIENT_INVALID_REQUEST", { reason: `${showText(line)} contains a newline; send one line per call, without its terminator` });
  }
}
