import { EdgePool } from "./edge-pool.ts";
import {
  INDEX_ADDED,
  INDEX_CYCLE,
  INDEX_MISSING_DEPENDENCY,
  INDEX_REPLACED,
  INDEX_UNCHANGED,
  REMOVE_HAS_DEPENDENTS,
  REMOVE_NOT_INDEXED,
  REMOVE_REMOVED,
} from "./results.ts";

export interface GraphOptions {
  /** Accept INDEX lists that close a cycle (self-dependencies included). */
  allowCycles: boolean;
}

/**
 * The package index. Names are interned to integer ids on first successful
 * INDEX; per id the graph keeps its forward edges (in an EdgePool) and the
 * number of indexed packages that depend on it, which is all REMOVE needs.
 *
 * Invariants (checked by checkIntegrity and the model-based tests):
 * - every dependency of an indexed package is indexed;
 * - dependentCount[id] equals the number of indexed packages listing id;
 * - without allowCycles, the forward edges form a DAG.
 */
export class DependencyGraph {
  readonly allowCycles: boolean;
  private readonly ids = new Map<string, number>();
  private names: string[] = [];
  private indexed = new Uint8Array(1024);
  private depStart = new Int32Array(1024);
  private depLength = new Int32Array(1024);
  private dependentCount = new Int32Array(1024);
  // Epoch marks make set operations (dedup, compare, visited) O(1) per element
  // without clearing an array or allocating a Set per command.
  private mark = new Uint32Array(1024);
  private epoch = 0;
  private scratch = new Int32Array(64);
  private stack = new Int32Array(64);
  private readonly pool = new EdgePool();
  private packageCount = 0;
  private edges = 0;

  constructor(options: Partial<GraphOptions> = {}) {
    this.allowCycles = options.allowCycles ?? false;
  }

  /** Indexed packages. */
  get size(): number {
    return this.packageCount;
  }

  /** Dependency edges between indexed packages. */
  get edgeCount(): number {
    return this.edges;
  }

  query(name: string): boolean {
    const id = this.ids.get(name);
    return id !== undefined && this.indexed[id] === 1;
  }

  /**
   * INDEX name with deps[0..depCount). Returns one of the INDEX_* results;
   * on failure nothing changes.
   */
  index(name: string, deps: readonly string[], depCount: number = deps.length): number {
    const epoch = this.nextEpoch();
    const mark = this.mark;
    let unique = 0;
    if (this.scratch.length < depCount) this.scratch = new Int32Array(depCount * 2);
    const scratch = this.scratch;
    for (let i = 0; i < depCount; i++) {
      const id = this.ids.get(deps[i]);
      if (id === undefined || this.indexed[id] === 0) return INDEX_MISSING_DEPENDENCY;
      if (mark[id] === epoch) continue;
      mark[id] = epoch;
      scratch[unique++] = id;
    }
    let id = this.ids.get(name);
    if (id !== undefined && this.indexed[id] === 1) {
      const start = this.depStart[id];
      const length = this.depLength[id];
      const data = this.pool.data;
      let same = length === unique;
      for (let k = 0; same && k < length; k++) same = mark[data[start + k]] === epoch;
      if (same) return INDEX_UNCHANGED;
      if (!this.allowCycles && this.closesCycle(id, start, length, unique)) return INDEX_CYCLE;
      this.replace(id, unique);
      return INDEX_REPLACED;
    }
    // A package that is not indexed has no dependents, so adding it cannot
    // close a cycle: only re-INDEX pays for the check.
    if (id === undefined) id = this.intern(name);
    this.indexed[id] = 1;
    this.packageCount++;
    this.writeList(id, unique);
    return INDEX_ADDED;
  }

  remove(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined || this.indexed[id] === 0) return REMOVE_NOT_INDEXED;
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    let selfEdge = 0;
    for (let k = 0; k < length; k++) if (data[start + k] === id) selfEdge = 1;
    // A package's edge to itself (allowed only with cycles on) goes away
    // with it, so it does not block its own removal.
    if (this.dependentCount[id] - selfEdge > 0) return REMOVE_HAS_DEPENDENTS;
    for (let k = 0; k < length; k++) this.dependentCount[data[start + k]]--;
    this.edges -= length;
    this.pool.garbage += length;
    this.depLength[id] = 0;
    this.indexed[id] = 0;
    this.packageCount--;
    return REMOVE_REMOVED;
  }

  /**
   * The de-duplicated dependency list the last successful index() stored
   * for `name`, for the store to persist. Valid until the next mutation.
   */
  dependenciesOf(name: string, out: string[]): number {
    const id = this.ids.get(name);
    if (id === undefined || this.indexed[id] === 0) return 0;
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    for (let k = 0; k < length; k++) {
      const depName = this.names[data[start + k]];
      if (k < out.length) out[k] = depName;
      else out.push(depName);
    }
    return length;
  }

  /** Visits every indexed package with a fresh array of its dependencies. */
  forEachPackage(visit: (name: string, deps: string[]) => void): void {
    for (let id = 0; id < this.names.length; id++) {
      if (this.indexed[id] === 0) continue;
      const deps: string[] = [];
      this.dependenciesOf(this.names[id], deps);
      visit(this.names[id], deps);
    }
  }

  /**
   * Start-up only: indexes `name` with `deps` without checking that the
   * dependencies are indexed yet or that no cycle forms, so a stored graph
   * loads in any order (a cyclic one, written with allowCycles, has no
   * dependencies-first order). Call checkIntegrity() once all are in.
   */
  restore(name: string, deps: readonly string[]): void {
    const epoch = this.nextEpoch();
    if (this.scratch.length < deps.length) this.scratch = new Int32Array(deps.length * 2);
    let unique = 0;
    for (let i = 0; i < deps.length; i++) {
      const dep = this.ids.get(deps[i]) ?? this.intern(deps[i]);
      if (this.mark[dep] === epoch) continue;
      this.mark[dep] = epoch;
      this.scratch[unique++] = dep;
    }
    let id = this.ids.get(name);
    if (id === undefined) id = this.intern(name);
    if (this.indexed[id] === 1) {
      this.replace(id, unique);
      return;
    }
    this.indexed[id] = 1;
    this.packageCount++;
    this.writeList(id, unique);
  }

  /** Number of indexed packages that depend on `name` (0 when not indexed). */
  dependentsOf(name: string): number {
    const id = this.ids.get(name);
    return id === undefined || this.indexed[id] === 0 ? 0 : this.dependentCount[id];
  }

  /**
   * Checks every invariant; returns null when they hold, else a description
   * of the first violation. O(packages + edges): for start-up and tests.
   */
  checkIntegrity(): string | null {
    const count = this.names.length;
    const expected = new Int32Array(count);
    const data = this.pool.data;
    let edges = 0;
    let packages = 0;
    for (let id = 0; id < count; id++) {
      if (this.indexed[id] === 0) {
        if (this.depLength[id] !== 0) return `${this.names[id]} is not indexed but has dependencies`;
        continue;
      }
      packages++;
      const start = this.depStart[id];
      for (let k = 0; k < this.depLength[id]; k++) {
        const dep = data[start + k];
        if (this.indexed[dep] === 0) return `${this.names[id]} depends on ${this.names[dep]}, which is not indexed`;
        expected[dep]++;
        edges++;
      }
    }
    for (let id = 0; id < count; id++) {
      if (this.indexed[id] === 1 && expected[id] !== this.dependentCount[id]) {
        return `${this.names[id]} has ${this.dependentCount[id]} dependents recorded but ${expected[id]} exist`;
      }
    }
    if (packages !== this.packageCount) return `package count ${this.packageCount} but ${packages} indexed`;
    if (edges !== this.edges) return `edge count ${this.edges} but ${edges} stored`;
    return null;
  }

  private intern(name: string): number {
    const id = this.names.length;
    this.names.push(name);
    this.ids.set(name, id);
    if (id >= this.indexed.length) this.grow(this.indexed.length * 2);
    return id;
  }

  private grow(size: number): void {
    const indexed = new Uint8Array(size);
    indexed.set(this.indexed);
    this.indexed = indexed;
    const depStart = new Int32Array(size);
    depStart.set(this.depStart);
    this.depStart = depStart;
    const depLength = new Int32Array(size);
    depLength.set(this.depLength);
    this.depLength = depLength;
    const dependentCount = new Int32Array(size);
    dependentCount.set(this.dependentCount);
    this.dependentCount = dependentCount;
    const mark = new Uint32Array(size);
    mark.set(this.mark);
    this.mark = mark;
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  /**
   * Would making scratch[0..unique) the dependencies of `id` close a cycle?
   * Only dependencies not already listed can: the graph is a DAG, so a path
   * back to `id` through an existing edge would already be a cycle.
   */
  private closesCycle(id: number, start: number, length: number, unique: number): boolean {
    const data = this.pool.data;
    // Mark the old list so it can be told apart from added entries; this
    // reuses the epoch scheme with a fresh epoch.
    const oldEpoch = this.nextEpoch();
    const mark = this.mark;
    for (let k = 0; k < length; k++) mark[data[start + k]] = oldEpoch;
    let top = 0;
    const visit = this.nextEpoch();
    for (let i = 0; i < unique; i++) {
      const dep = this.scratch[i];
      if (mark[dep] === oldEpoch) continue;
      if (dep === id) return true;
      if (top >= this.stack.length) this.growStack();
      this.stack[top++] = dep;
      mark[dep] = visit;
    }
    while (top > 0) {
      const node = this.stack[--top];
      const s = this.depStart[node];
      const len = this.depLength[node];
      for (let k = 0; k < len; k++) {
        const next = data[s + k];
        if (next === id) return true;
        if (mark[next] === visit) continue;
        mark[next] = visit;
        if (top >= this.stack.length) this.growStack();
        this.stack[top++] = next;
      }
    }
    return false;
  }

  private growStack(): void {
    const stack = new Int32Array(this.stack.length * 2);
    stack.set(this.stack);
    this.stack = stack;
  }

  private replace(id: number, unique: number): void {
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    for (let k = 0; k < length; k++) this.dependentCount[data[start + k]]--;
    this.edges -= length;
    if (unique <= length) {
      // Shrinking or equal: rewrite in place, the tail becomes garbage.
      this.pool.garbage += length - unique;
      this.fillList(id, start, unique);
    } else {
      this.pool.garbage += length;
      this.writeList(id, unique);
    }
  }

  private writeList(id: number, unique: number): void {
    const start = unique === 0 ? 0 : this.pool.allocate(unique);
    this.fillList(id, start, unique);
    if (this.pool.garbage > 4096 && this.pool.garbage * 2 > this.pool.used) {
      this.pool.compact(this.depStart, this.depLength, this.names.length);
    }
  }

  private fillList(id: number, start: number, unique: number): void {
    const data = this.pool.data;
    for (let i = 0; i < unique; i++) {
      const dep = this.scratch[i];
      data[start + i] = dep;
      this.dependentCount[dep]++;
    }
    this.depStart[id] = start;
    this.depLength[id] = unique;
    this.edges += unique;
  }
}
