// Kinds of journal entries: what the change did, so undo knows its inverse.
export const UNDO_ADDED = 0;
export const UNDO_REPLACED = 1;
export const UNDO_REMOVED = 2;

/**
 * The graph's changes since the last durable commit, each with what undoing
 * it needs: kind, package id, and the dependency list the package had before
 * (replaced or removed). One growable Int32Array of
 * [kind, id, n, dep_1..dep_n] records: no object per change, and the hot
 * path pays one append per change.
 */
export class UndoJournal {
  data = new Int32Array(256);
  length = 0;

  record(kind: number, id: number, deps: Int32Array, start: number, n: number): void {
    const needed = this.length + 3 + n;
    if (needed > this.data.length) {
      let size = this.data.length * 2;
      while (size < needed) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    const data = this.data;
    let at = this.length;
    data[at++] = kind;
    data[at++] = id;
    data[at++] = n;
    for (let k = 0; k < n; k++) data[at++] = deps[start + k];
    this.length = at;
  }

  /** Forgets the records before `upTo` (an earlier `length`): they are durable now. */
  dropBefore(upTo: number): void {
    if (upTo <= 0) return;
    this.data.copyWithin(0, upTo, this.length);
    this.length -= upTo;
  }

  /** Offsets of every record, oldest first (records are read newest first when undone). */
  offsets(): number[] {
    const out: number[] = [];
    for (let at = 0; at < this.length; at += 3 + this.data[at + 2]) out.push(at);
    return out;
  }
}
