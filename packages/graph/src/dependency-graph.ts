import { EdgePool } from "./edge-pool.ts";
import { NameTable, type NameTableOptions } from "./name-table.ts";
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
import { UNDO_ADDED, UNDO_REMOVED, UNDO_REPLACED, UndoJournal } from "./undo-journal.ts";

export interface GraphOptions {
  /** Accept INDEX lists that close a cycle (self-dependencies included). */
  allowCycles: boolean;
  /**
   * Keep the name table, the dependency lists and their per-id offsets in
   * SharedArrayBuffers, for readers on other threads (worker mode's read
   * view). `onReplaced` is called after any of them was replaced (growth,
   * rehash, compaction): readers must switch to the new arrays.
   */
  shared?: NameTableOptions;
}

/** The arrays behind a graph's dependency lists: what a reader on another thread needs. */
export interface DependencyTables {
  /** depStart[id], depLength[id]: package id's list is edges[depStart, depStart + depLength). */
  depStart: Int32Array;
  depLength: Int32Array;
  edges: Int32Array;
  /** How many indexed packages list id (a self-edge included). */
  dependentCount: Int32Array;
}

const COMMA = 44;

function sharedInts(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/**
 * The package index. Names are interned as bytes (NameTable) to integer ids
 * on first successful INDEX; per id the graph keeps its forward edges (in an
 * EdgePool) and the number of indexed packages that depend on it, which is
 * all REMOVE needs. The byte API (indexBytes, removeBytes, queryBytes) works
 * on a request buffer directly; the string API is for start-up, tools and
 * tests.
 *
 * Invariants (checked by checkIntegrity and the model-based tests):
 * - every dependency of an indexed package is indexed;
 * - dependentCount[id] equals the number of indexed packages listing id;
 * - without allowCycles, the forward edges form a DAG.
 */
export class DependencyGraph {
  readonly allowCycles: boolean;
  readonly names: NameTable;
  private indexed = new Uint8Array(1024);
  private depStart: Int32Array = new Int32Array(1024);
  private depLength: Int32Array = new Int32Array(1024);
  private dependentCount: Int32Array = new Int32Array(1024);
  // Epoch marks make set operations (dedup, compare, visited) O(1) per element
  // without clearing an array or allocating a Set per command.
  private mark = new Uint32Array(1024);
  private epoch = 0;
  private scratch = new Int32Array(64);
  private stack = new Int32Array(64);
  private readonly pool: EdgePool;
  private readonly sharedArrays: boolean;
  private readonly onReplaced: (() => void) | undefined;
  private packageCount = 0;
  private edges = 0;
  /** Id of the package the last successful index or remove touched. */
  lastId = -1;
  /** Set by enableUndo(): every change since the last forgetUndo() can be undone. */
  private journal: UndoJournal | null = null;

  constructor(options: Partial<GraphOptions> = {}) {
    this.allowCycles = options.allowCycles ?? false;
    this.names = new NameTable(options.shared);
    this.sharedArrays = options.shared?.shared === true;
    this.onReplaced = options.shared?.onReplaced;
    this.pool = new EdgePool(this.sharedArrays);
    if (this.sharedArrays) {
      this.depStart = sharedInts(this.depStart.length);
      this.depLength = sharedInts(this.depLength.length);
      this.dependentCount = sharedInts(this.dependentCount.length);
    }
  }

  /**
   * The dependency lists as arrays (shared ones with options.shared). They
   * change in place while a batch is applied; a reader on another thread
   * must know when that is (the read view's write sequence).
   */
  get dependencyTables(): DependencyTables {
    return { depStart: this.depStart, depLength: this.depLength, edges: this.pool.data, dependentCount: this.dependentCount };
  }

  /** Whether the package with id `id` is indexed (ids from `names`). */
  isIndexedId(id: number): boolean {
    return this.indexed[id] === 1;
  }

  /** Indexed packages. */
  get size(): number {
    return this.packageCount;
  }

  /** Dependency edges between indexed packages. */
  get edgeCount(): number {
    return this.edges;
  }

  // ---- byte API: names are ranges of a request buffer, already validated ----

  queryBytes(buf: Uint8Array, start: number, end: number): boolean {
    const id = this.names.lookup(buf, start, end);
    return id >= 0 && this.indexed[id] === 1;
  }

  /**
   * INDEX buf[nameStart, nameEnd) with the comma-separated dependencies in
   * buf[depsStart, depsEnd). Returns one of the INDEX_* results; on failure
   * nothing changes.
   */
  indexBytes(buf: Uint8Array, nameStart: number, nameEnd: number, depsStart: number, depsEnd: number): number {
    const epoch = this.nextEpoch();
    let unique = 0;
    let at = depsStart;
    while (at < depsEnd) {
      let comma = at;
      while (comma < depsEnd && buf[comma] !== COMMA) comma++;
      const id = this.names.lookup(buf, at, comma);
      if (id < 0 || this.indexed[id] === 0) return INDEX_MISSING_DEPENDENCY;
      if (this.mark[id] !== epoch) {
        this.mark[id] = epoch;
        if (unique >= this.scratch.length) this.growScratch();
        this.scratch[unique++] = id;
      }
      at = comma + 1;
    }
    const id = this.names.lookup(buf, nameStart, nameEnd);
    if (id >= 0 && this.indexed[id] === 1) return this.reindex(id, unique, epoch);
    return this.add(id >= 0 ? id : this.ensure(this.names.intern(buf, nameStart, nameEnd)), unique);
  }

  removeBytes(buf: Uint8Array, start: number, end: number): number {
    return this.removeId(this.names.lookup(buf, start, end));
  }

  // ---- string API ----

  query(name: string): boolean {
    const id = this.names.lookupString(name);
    return id >= 0 && this.indexed[id] === 1;
  }

  /** INDEX name with deps[0..depCount). Returns one of the INDEX_* results. */
  index(name: string, deps: readonly string[], depCount: number = deps.length): number {
    const epoch = this.nextEpoch();
    let unique = 0;
    for (let i = 0; i < depCount; i++) {
      const id = this.names.lookupString(deps[i]);
      if (id < 0 || this.indexed[id] === 0) return INDEX_MISSING_DEPENDENCY;
      if (this.mark[id] === epoch) continue;
      this.mark[id] = epoch;
      if (unique >= this.scratch.length) this.growScratch();
      this.scratch[unique++] = id;
    }
    const id = this.names.lookupString(name);
    if (id >= 0 && this.indexed[id] === 1) return this.reindex(id, unique, epoch);
    return this.add(id >= 0 ? id : this.ensure(this.names.internString(name)), unique);
  }

  remove(name: string): number {
    return this.removeId(this.names.lookupString(name));
  }

  /**
   * Start-up only: indexes `name` with `deps` without checking that the
   * dependencies are indexed yet or that no cycle forms, so a stored graph
   * loads in any order (a cyclic one, written with allowCycles, has no
   * dependencies-first order). Call checkIntegrity() once all are in.
   */
  restore(name: string, deps: readonly string[]): void {
    const epoch = this.nextEpoch();
    let unique = 0;
    for (let i = 0; i < deps.length; i++) {
      const dep = this.ensure(this.names.internString(deps[i]));
      if (this.mark[dep] === epoch) continue;
      this.mark[dep] = epoch;
      if (unique >= this.scratch.length) this.growScratch();
      this.scratch[unique++] = dep;
    }
    const id = this.ensure(this.names.internString(name));
    // link/replace, not add/reindex: what is restored is durable already,
    // so it is never journaled for undo.
    if (this.indexed[id] === 1) this.replace(id, unique);
    else this.link(id, unique);
  }

  /**
   * Writes the dependency names of package `id` into `out` (reusing its
   * slots); returns how many. For store writes after a change.
   */
  dependencyNamesOf(id: number, out: string[]): number {
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    for (let k = 0; k < length; k++) {
      const depName = this.names.nameOf(data[start + k]);
      if (k < out.length) out[k] = depName;
      else out.push(depName);
    }
    return length;
  }

  /** How many dependencies package `id` has. */
  dependencyCount(id: number): number {
    return this.depLength[id];
  }

  /**
   * Copies the dependency ids of package `id` into out[at, at + count) and
   * returns the count (`out` must have room: see dependencyCount). Ids, not
   * names: a change log can keep them without decoding anything.
   */
  copyDependencyIds(id: number, out: Int32Array, at: number): number {
    const start = this.depStart[id];
    const length = this.depLength[id];
    out.set(this.pool.data.subarray(start, start + length), at);
    return length;
  }

  /** The de-duplicated dependency list of `name` into `out`; returns its length. */
  dependenciesOf(name: string, out: string[]): number {
    const id = this.names.lookupString(name);
    if (id < 0 || this.indexed[id] === 0) return 0;
    return this.dependencyNamesOf(id, out);
  }

  /** Visits every indexed package with a fresh array of its dependencies. */
  forEachPackage(visit: (name: string, deps: string[]) => void): void {
    for (let id = 0; id < this.names.size; id++) {
      if (this.indexed[id] === 0) continue;
      const deps: string[] = [];
      this.dependencyNamesOf(id, deps);
      visit(this.names.nameOf(id), deps);
    }
  }

  /** Number of indexed packages that depend on `name` (0 when not indexed). */
  dependentsOf(name: string): number {
    const id = this.names.lookupString(name);
    return id < 0 || this.indexed[id] === 0 ? 0 : this.dependentCount[id];
  }

  // ---- undo (a failed commit: the store refused the batch) ----

  /** From now on, journal every change (restore() excepted) so it can be undone. */
  enableUndo(): void {
    this.journal ??= new UndoJournal();
  }

  /** A position in the journal: everything changed so far. */
  get undoMark(): number {
    return this.journal?.length ?? 0;
  }

  /** The changes before `mark` (an earlier undoMark) are durable: they can no longer be undone. */
  forgetUndo(mark: number): void {
    this.journal?.dropBefore(mark);
  }

  /**
   * Reverts every change journaled since the last forgetUndo, newest first,
   * so each inverse runs on exactly the state its change left. Names stay
   * interned (their ids are referenced by the read view and name tables
   * shared with readers); a name no longer indexed is simply not indexed.
   */
  undoAll(): void {
    const journal = this.journal;
    if (journal === null || journal.length === 0) return;
    const data = journal.data;
    const offsets = journal.offsets();
    for (let i = offsets.length - 1; i >= 0; i--) {
      const at = offsets[i];
      const kind = data[at];
      const id = data[at + 1];
      const n = data[at + 2];
      if (kind === UNDO_ADDED) {
        this.unlink(id);
        continue;
      }
      while (n > this.scratch.length) this.growScratch();
      for (let k = 0; k < n; k++) this.scratch[k] = data[at + 3 + k];
      if (kind === UNDO_REPLACED) this.replace(id, n);
      else if (kind === UNDO_REMOVED) this.link(id, n);
    }
    journal.length = 0;
  }

  /**
   * Checks every invariant; returns null when they hold, else a description
   * of the first violation. O(packages + edges): for start-up and tests.
   */
  checkIntegrity(): string | null {
    const count = this.names.size;
    const expected = new Int32Array(count);
    const data = this.pool.data;
    const nameOf = (id: number) => this.names.nameOf(id);
    let edges = 0;
    let packages = 0;
    for (let id = 0; id < count; id++) {
      if (this.indexed[id] === 0) {
        if (this.depLength[id] !== 0) return `${nameOf(id)} is not indexed but has dependencies`;
        continue;
      }
      packages++;
      const start = this.depStart[id];
      for (let k = 0; k < this.depLength[id]; k++) {
        const dep = data[start + k];
        if (this.indexed[dep] === 0) return `${nameOf(id)} depends on ${nameOf(dep)}, which is not indexed`;
        expected[dep]++;
        edges++;
      }
    }
    for (let id = 0; id < count; id++) {
      if (this.indexed[id] === 1 && expected[id] !== this.dependentCount[id]) {
        return `${nameOf(id)} has ${this.dependentCount[id]} dependents recorded but ${expected[id]} exist`;
      }
    }
    if (packages !== this.packageCount) return `package count ${this.packageCount} but ${packages} indexed`;
    if (edges !== this.edges) return `edge count ${this.edges} but ${edges} stored`;
    if (!this.allowCycles) {
      // The third invariant: without allowCycles the edges form a DAG
      // (closesCycle relies on it). Iterative DFS: 1 = on the path, 2 = done.
      const state = new Uint8Array(count);
      const nodes = new Int32Array(count);
      const next = new Int32Array(count);
      for (let root = 0; root < count; root++) {
        if (this.indexed[root] === 0 || state[root] !== 0) continue;
        let top = 0;
        nodes[0] = root;
        next[0] = 0;
        state[root] = 1;
        while (top >= 0) {
          const node = nodes[top];
          const k = next[top];
          if (k === this.depLength[node]) {
            state[node] = 2;
            top--;
            continue;
          }
          next[top] = k + 1;
          const dep = data[this.depStart[node] + k];
          if (state[dep] === 1) return `cycle through ${nameOf(dep)} without allowCycles`;
          if (state[dep] === 0) {
            state[dep] = 1;
            nodes[++top] = dep;
            next[top] = 0;
          }
        }
      }
    }
    return null;
  }

  // ---- core, on ids ----

  private add(id: number, unique: number): number {
    // A package that is not indexed has no dependents, so adding it cannot
    // close a cycle: only re-INDEX pays for the check.
    this.journal?.record(UNDO_ADDED, id, this.scratch, 0, 0);
    this.link(id, unique);
    this.lastId = id;
    return INDEX_ADDED;
  }

  /** Indexes `id` with scratch[0..unique). */
  private link(id: number, unique: number): void {
    this.indexed[id] = 1;
    this.packageCount++;
    this.writeList(id, unique);
  }

  /** Un-indexes `id` and drops its list (the caller checked it has no dependents). */
  private unlink(id: number): void {
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    for (let k = 0; k < length; k++) this.dependentCount[data[start + k]]--;
    this.edges -= length;
    this.pool.garbage += length;
    this.depLength[id] = 0;
    this.indexed[id] = 0;
    this.packageCount--;
  }

  private reindex(id: number, unique: number, epoch: number): number {
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    let same = length === unique;
    for (let k = 0; same && k < length; k++) same = this.mark[data[start + k]] === epoch;
    if (same) return INDEX_UNCHANGED;
    if (!this.allowCycles && this.closesCycle(id, start, length, unique)) return INDEX_CYCLE;
    this.journal?.record(UNDO_REPLACED, id, data, start, length);
    this.replace(id, unique);
    this.lastId = id;
    return INDEX_REPLACED;
  }

  private removeId(id: number): number {
    if (id < 0 || this.indexed[id] === 0) return REMOVE_NOT_INDEXED;
    const start = this.depStart[id];
    const length = this.depLength[id];
    const data = this.pool.data;
    let selfEdge = 0;
    for (let k = 0; k < length; k++) if (data[start + k] === id) selfEdge = 1;
    // A package's edge to itself (allowed only with cycles on) goes away
    // with it, so it does not block its own removal.
    if (this.dependentCount[id] - selfEdge > 0) return REMOVE_HAS_DEPENDENTS;
    this.journal?.record(UNDO_REMOVED, id, data, start, length);
    this.unlink(id);
    this.lastId = id;
    return REMOVE_REMOVED;
  }

  /** Makes the per-id arrays cover `id` (just interned); returns it. */
  private ensure(id: number): number {
    if (id >= this.indexed.length) this.grow(Math.max(this.indexed.length * 2, id + 1));
    return id;
  }

  private grow(size: number): void {
    const indexed = new Uint8Array(size);
    indexed.set(this.indexed);
    this.indexed = indexed;
    const depStart = this.sharedArrays ? sharedInts(size) : new Int32Array(size);
    depStart.set(this.depStart);
    this.depStart = depStart;
    const depLength = this.sharedArrays ? sharedInts(size) : new Int32Array(size);
    depLength.set(this.depLength);
    this.depLength = depLength;
    const dependentCount = this.sharedArrays ? sharedInts(size) : new Int32Array(size);
    dependentCount.set(this.dependentCount);
    this.dependentCount = dependentCount;
    const mark = new Uint32Array(size);
    mark.set(this.mark);
    this.mark = mark;
    this.onReplaced?.();
  }

  private growScratch(): void {
    const scratch = new Int32Array(this.scratch.length * 2);
    scratch.set(this.scratch);
    this.scratch = scratch;
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
    const before = this.pool.data;
    const start = unique === 0 ? 0 : this.pool.allocate(unique);
    this.fillList(id, start, unique);
    if (this.pool.garbage > 4096 && this.pool.garbage * 2 > this.pool.used) {
      this.pool.compact(this.depStart, this.depLength, this.names.size);
    }
    if (this.pool.data !== before) this.onReplaced?.();
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
