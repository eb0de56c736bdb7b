/**
 * Committed changes on their way from the engine's thread to the feed: one
 * message per publication (a commit), never one per change. `text` has one
 * line per change, revisions `first`, `first + 1`, …: `+name|a,b` for an
 * INDEX (its new dependency list), `-name|` for a REMOVE. Names never hold
 * `|`, `,` or a newline (DESIGN.md §2), so nothing needs escaping.
 */
export interface ChangeBatch {
  first: number;
  /** When the batch was published, ms since the epoch (retention by age). */
  at: number;
  text: string;
}

/** One line of a ChangeBatch's text. */
export function changeLine(indexed: boolean, name: string, deps: string): string {
  return `${indexed ? "+" : "-"}${name}|${deps}\n`;
}

/** Calls visit for each line of `text` in order; returns how many there were. */
export function forEachChange(text: string, visit: (indexed: boolean, name: string, deps: string) => void): number {
  let count = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const bar = text.indexOf("|", start);
    visit(text.charCodeAt(start) === 43 /* + */, text.slice(start + 1, bar), text.slice(bar + 1, end));
    count++;
    start = end + 1;
  }
  return count;
}
