/** What the reply settles a request to. */
export const KIND_BOOLEAN = 0; // index/remove/query: OK -> true, FAIL -> false, ERROR -> rejected
export const KIND_RAW = 1; // send: "OK" | "FAIL" | "ERROR"

type Resolve = (value: boolean | string) => void;
type Reject = (reason: Error) => void;

/**
 * The requests of one client in the order their replies will come back: a
 * ring of parallel arrays (no object per request), grown by doubling. The
 * first `sent` entries have been written to the current socket; the rest
 * wait for a connection.
 */
export class PendingQueue {
  private lines: string[] = new Array(64);
  private kinds = new Uint8Array(64);
  private deadlines = new Float64Array(64);
  private resolves: (Resolve | undefined)[] = new Array(64);
  private rejects: (Reject | undefined)[] = new Array(64);
  private mask = 63;
  private head = 0;
  size = 0;

  push(line: string, kind: number, deadline: number, resolve: Resolve, reject: Reject): void {
    if (this.size > this.mask) this.grow();
    const at = (this.head + this.size) & this.mask;
    this.lines[at] = line;
    this.kinds[at] = kind;
    this.deadlines[at] = deadline;
    this.resolves[at] = resolve;
    this.rejects[at] = reject;
    this.size++;
  }

  /** The line of the i-th oldest request. */
  lineAt(i: number): string {
    return this.lines[(this.head + i) & this.mask];
  }

  get headDeadline(): number {
    return this.deadlines[this.head];
  }

  get headKind(): number {
    return this.kinds[this.head];
  }

  /** Removes the oldest request and settles it with `value` (or rejects it with `error`). */
  shift(value: boolean | string | undefined, error?: Error): void {
    const at = this.head;
    const resolve = this.resolves[at]!;
    const reject = this.rejects[at]!;
    // Drop the references so a settled request's promise can be collected.
    this.lines[at] = "";
    this.resolves[at] = undefined;
    this.rejects[at] = undefined;
    this.head = (at + 1) & this.mask;
    this.size--;
    if (error === undefined) resolve(value!);
    else reject(error);
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const lines: string[] = new Array(capacity);
    const kinds = new Uint8Array(capacity);
    const deadlines = new Float64Array(capacity);
    const resolves: (Resolve | undefined)[] = new Array(capacity);
    const rejects: (Reject | undefined)[] = new Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & this.mask;
      lines[i] = this.lines[from];
      kinds[i] = this.kinds[from];
      deadlines[i] = this.deadlines[from];
      resolves[i] = this.resolves[from];
      rejects[i] = this.rejects[from];
    }
    this.lines = lines;
    this.kinds = kinds;
    this.deadlines = deadlines;
    this.resolves = resolves;
    this.rejects = rejects;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
