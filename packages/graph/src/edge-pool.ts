/**
 * Dependency lists of all packages in one Int32Array: 4 bytes per edge and
 * no object per package. A list that grows is appended at the end and its
 * old slot becomes garbage; the pool compacts itself once garbage is the
 * larger part, so re-INDEX churn cannot grow it without bound.
 */
export class EdgePool {
  data: Int32Array;
  used = 0;
  garbage = 0;
  /** In a SharedArrayBuffer (worker mode's readers see the lists). */
  private readonly shared: boolean;

  constructor(shared = false) {
    this.shared = shared;
    this.data = this.ints(1024);
  }

  private ints(n: number): Int32Array {
    return new Int32Array(this.shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
  }

  /** Reserves `length` slots at the end and returns their offset. */
  allocate(length: number): number {
    if (this.used + length > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.used + length) size *= 2;
      const grown = this.ints(size);
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    const at = this.used;
    this.used += length;
    return at;
  }

  /**
   * Rewrites live lists contiguously. `starts`/`lengths` are indexed by
   * package id and updated in place.
   */
  compact(starts: Int32Array, lengths: Int32Array, count: number): void {
    const next = this.ints(Math.max(1024, (this.used - this.garbage) * 2));
    let at = 0;
    const data = this.data;
    for (let id = 0; id < count; id++) {
      const len = lengths[id];
      if (len === 0) continue;
      const from = starts[id];
      for (let k = 0; k < len; k++) next[at + k] = data[from + k];
      starts[id] = at;
      at += len;
    }
    this.data = next;
    this.used = at;
    this.garbage = 0;
  }
}
