import type { ChangeRetention } from "@pkgindex/store";

/**
 * The retained changes, oldest first: each one's JSON (built once) and the
 * time it was published. Revisions are consecutive, so the log is a window
 * [oldest, current] over the revision sequence; retention moves its start.
 */
export class ChangeLog {
  private readonly retention: ChangeRetention;
  private lines: string[] = [];
  private ats: number[] = [];
  /** lines[head] is revision `first`. */
  private head = 0;
  private first = 1;

  constructor(retention: ChangeRetention = {}) {
    this.retention = retention;
  }

  /** Revision of the last change held (or the log's starting point when none is). */
  get current(): number {
    return this.first + this.lines.length - this.head - 1;
  }

  /** Oldest revision held; current + 1 when the log holds none. */
  get oldest(): number {
    return this.first;
  }

  /** Empties the log so that the next change appended is revision `revision + 1`. */
  reset(revision: number): void {
    this.lines = [];
    this.ats = [];
    this.head = 0;
    this.first = revision + 1;
  }

  /** Appends the next revision (current + 1) and applies the retention. */
  append(json: string, at: number): void {
    this.lines.push(json);
    this.ats.push(at);
    const { revisions, ageMs } = this.retention;
    if (revisions !== undefined && this.lines.length - this.head > revisions) this.drop(this.lines.length - this.head - revisions);
    if (ageMs !== undefined) this.pruneOlderThan(at - ageMs);
  }

  /** The JSON of `revision` (oldest <= revision <= current). */
  json(revision: number): string {
    return this.lines[this.head + revision - this.first];
  }

  /** Drops the changes published before `cutoff` (ms since the epoch). */
  pruneOlderThan(cutoff: number): void {
    let n = 0;
    while (this.head + n < this.lines.length && this.ats[this.head + n] < cutoff) n++;
    if (n > 0) this.drop(n);
  }

  private drop(n: number): void {
    this.head += n;
    this.first += n;
    // Compact now and then: an O(1) drop most of the time, arrays that do not grow forever.
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.ats = this.ats.slice(this.head);
      this.head = 0;
    }
  }
}
