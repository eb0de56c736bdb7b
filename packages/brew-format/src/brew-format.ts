import { isValidName } from "@pkgindex/protocol";

/** One line of brew-format text: a package and its dependencies. */
export interface BrewEntry {
  name: string;
  deps: string[];
}

/** A line that is not brew format; each reader words it its own way. */
export class BrewFormatError extends Error {
  override name = "BrewFormatError";
  /** 1-based. */
  readonly line: number;
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/**
 * `name: dep dep` per package (`name:` when it has none), one line each,
 * newline-terminated, in the given order.
 */
export function formatBrew(entries: Iterable<BrewEntry>): string {
  const lines: string[] = [];
  for (const { name, deps } of entries) lines.push(deps.length === 0 ? `${name}:` : `${name}: ${deps.join(" ")}`);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The colon that ends the name: the first one followed by a space, a tab or
 * the end of the line. Names may contain `:` but never whitespace, so
 * `a:b: c` is package `a:b` depending on `c`.
 */
function separatorIndex(line: string, from: number): number {
  for (let i = line.indexOf(":", from); i !== -1; i = line.indexOf(":", i + 1)) {
    if (i + 1 === line.length || isSpace(line.charCodeAt(i + 1))) return i;
  }
  return -1;
}

/**
 * Parses brew-format text (what formatBrew writes and `brew deps` prints):
 * blank lines are skipped, `\r\n` is accepted, dependencies are separated by
 * any run of spaces or tabs and repeats count once. Throws BrewFormatError
 * for a line without `name:`, a name the protocol would not accept, or a
 * package listed twice. A dependency without its own line is kept as
 * written: what it means is the reader's choice. When `lines` is given, the
 * line number of entry i is pushed to it.
 */
export function parseBrew(text: string, lines?: number[]): BrewEntry[] {
  const entries: BrewEntry[] = [];
  const lineOf = new Map<string, number>();
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    let from = 0;
    while (from < line.length && isSpace(line.charCodeAt(from))) from++;
    if (from === line.length) continue;

    const sep = separatorIndex(line, from);
    if (sep === -1) throw new BrewFormatError(lineNo, 'expected "name: dep dep ..." (no ":" after the package name)');
    const name = line.slice(from, sep);
    if (!isValidName(name)) throw new BrewFormatError(lineNo, `invalid package name ${JSON.stringify(name)}`);
    const previous = lineOf.get(name);
    if (previous !== undefined) throw new BrewFormatError(lineNo, `package ${name} is already listed on line ${previous}`);
    lineOf.set(name, lineNo);

    const deps: string[] = [];
    const seen = new Set<string>();
    for (const dep of line.slice(sep + 1).split(/[ \t]+/)) {
      if (dep === "" || seen.has(dep)) continue;
      if (!isValidName(dep)) throw new BrewFormatError(lineNo, `invalid dependency name ${JSON.stringify(dep)} of ${name}`);
      seen.add(dep);
      deps.push(dep);
    }
    entries.push({ name, deps });
    lines?.push(lineNo);
  }
  return entries;
}
