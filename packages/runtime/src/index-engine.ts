import { PkgIndexError } from "@pkgindex/errors";
import { DependencyGraph, indexChanged, INDEX_CYCLE, INDEX_MISSING_DEPENDENCY, REMOVE_HAS_DEPENDENTS, REMOVE_REMOVED } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import { CMD_INDEX, CMD_REMOVE, createLineShape, REPLY_ERROR, REPLY_FAIL, REPLY_OK, scanLine, type LineShape } from "@pkgindex/protocol";
import { openStore, type ChangeRetention, type Store, type StoreKind, type SyncMode } from "@pkgindex/store";
import { CommitPipeline } from "./commit-pipeline.ts";
import type { ReadViewWriter } from "./read-view.ts";

const NEWLINE = 10;

export interface EngineOptions {
  store: StoreKind;
  dataDir: string;
  sync: SyncMode;
  allowCycles: boolean;
  /** How much change history the store keeps (the change feed's). */
  retention?: ChangeRetention;
}

export interface LoadedIndex {
  packages: number;
  edges: number;
  millis: number;
}

/**
 * Told of each change once it is committed, in apply order: the read view,
 * and the change feed's recorder.
 */
export interface ChangeListener {
  /**
   * Package `id` is now indexed (`indexed`) or not, by the change numbered
   * `revision`. With `wantsDependencies`, deps[depsStart, depsStart +
   * depCount) are the ids of its new dependency list as it was when the
   * change was applied (the array is the engine's: read it now).
   */
  published(id: number, indexed: boolean, revision: number, deps: Int32Array, depsStart: number, depCount: number): void;
  /** After the changes of one publication (one commit; one change with the memory store), the last one's revision. */
  publishedUpTo?(revision: number): void;
  /** Ask the engine to keep each change's dependency ids until it is published. */
  readonly wantsDependencies?: boolean;
}

type FailureListener = (err: unknown) => void;

/**
 * The index's whole life, the same in both layouts: open the store, load it,
 * apply commands in arrival order (the server's linearization), group
 * commit, publish committed changes to readers, release replies, stop. In
 * worker mode it runs on the state-owner thread; with --workers 0 on the
 * only thread. It never exits the process: a failed commit or a corrupt
 * store is reported (a thrown PkgIndexError at open, `onFailure` later) and
 * the application decides what to do.
 *
 * Commands are applied from the request bytes; names are decoded only to
 * hand a change to the store.
 */
export class IndexEngine {
  readonly graph: DependencyGraph;
  readonly store: Store;
  readonly stats = new CommandStats();
  /** Replies wait for a commit (any store but memory). */
  readonly durable: boolean;
  private readonly pipeline: CommitPipeline;
  private readonly depsScratch: string[] = [];
  private readonly shape = createLineShape();
  private readonly failureListeners: FailureListener[] = [];
  private listeners: ChangeListener[] = [];
  private keepDependencies = false;
  /**
   * Changes applied and not yet published, one record each: id, 1 (indexed)
   * or 0, the dependency count n, then n dependency ids (n is 0 unless a
   * listener wants dependencies).
   */
  private changes = new Int32Array(256);
  private changeCount = 0;
  /** changes[0, publishable) are covered by the commit in flight (or done). */
  private publishable = 0;
  /** Revision of the last change applied, and of the last one the commit in flight covers. */
  private applied: number;
  private publishableRevision: number;
  /** Revision of the last change published (committed and visible). */
  private publishedRevisionValue: number;
  private stopped = false;

  constructor(graph: DependencyGraph, store: Store) {
    this.graph = graph;
    this.store = store;
    this.durable = store.kind !== "memory";
    this.applied = store.revision;
    this.publishableRevision = store.revision;
    this.publishedRevisionValue = store.revision;
    this.pipeline = new CommitPipeline({
      commit: () => {
        this.publishable = this.changeCount;
        this.publishableRevision = this.applied;
        this.stats.commits++;
        return this.store.commit();
      },
      committed: () => this.publish(this.publishable, this.publishableRevision),
      failed: (err) => {
        for (const listener of this.failureListeners) listener(err);
      },
    });
  }

  /**
   * Opens the store and loads it. Throws a PkgIndexError (store unusable,
   * integrity) with the store closed again.
   */
  static open(options: EngineOptions, view?: ReadViewWriter): { engine: IndexEngine; loaded: LoadedIndex } {
    const store = openStore({ kind: options.store, dataDir: options.dataDir, sync: options.sync, retention: options.retention });
    const names = view === undefined ? undefined : { shared: true, onReplaced: () => view.replaced() };
    const engine = new IndexEngine(new DependencyGraph({ allowCycles: options.allowCycles, names }), store);
    try {
      const loaded = engine.load();
      if (view !== undefined) {
        view.bind(engine.graph);
        engine.addChangeListener(view);
      }
      return { engine, loaded };
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /**
   * Loads the durable copy into the graph and checks every graph invariant
   * on the result: a store that disagrees with itself is refused.
   */
  load(): LoadedIndex {
    const stats = this.store.load((name, deps) => this.graph.restore(name, deps));
    const problem = this.graph.checkIntegrity();
    if (problem !== null) throw new PkgIndexError("PKGI_INTEGRITY", { reason: problem });
    return { packages: stats.packages, edges: stats.edges, millis: stats.millis };
  }

  /** Called with the commit error when a commit fails (then nothing more is acknowledged). */
  onFailure(listener: FailureListener): void {
    this.failureListeners.push(listener);
  }

  /** Receives every change from now on, once it may be seen (after its commit). */
  addChangeListener(listener: ChangeListener): void {
    this.listeners.push(listener);
    if (listener.wantsDependencies === true) this.keepDependencies = true;
  }

  /** The revision of the last change applied, committed or not (0: the index never changed). */
  get revision(): number {
    return this.applied;
  }

  /** The revision of the last change committed and published: what readers and the feed may see. */
  get publishedRevision(): number {
    return this.publishedRevisionValue;
  }

  /** The commit error, once one failed. */
  get failure(): unknown {
    return this.pipeline.error;
  }

  /** Whether a reply computed now must wait for a commit (see hold). */
  get mustHold(): boolean {
    return this.pipeline.busy;
  }

  /**
   * Runs `release` once everything applied so far is committed and
   * published, after every release held before it. Never runs after a
   * failed commit.
   */
  hold(release: () => void): void {
    this.pipeline.hold(release);
  }

  /** Applies one validated line whose fields are in `shape`; returns its reply code. */
  apply(buf: Uint8Array, shape: LineShape): number {
    const graph = this.graph;
    const results = this.stats.results;
    const command = shape.command;
    if (command === CMD_INDEX) {
      const result = graph.indexBytes(buf, shape.nameStart, shape.nameEnd, shape.depsStart, shape.depsEnd);
      if (result === INDEX_MISSING_DEPENDENCY || result === INDEX_CYCLE) {
        results[CMD_INDEX * 3 + REPLY_FAIL]++;
        return REPLY_FAIL;
      }
      if (indexChanged(result)) {
        const id = graph.lastId;
        if (this.durable) {
          const n = graph.dependencyNamesOf(id, this.depsScratch);
          this.store.putPackage(graph.names.nameOf(id), this.depsScratch, n);
          this.pipeline.changed();
        }
        this.logChange(id, 1);
      }
      results[CMD_INDEX * 3 + REPLY_OK]++;
      return REPLY_OK;
    }
    if (command === CMD_REMOVE) {
      const result = graph.removeBytes(buf, shape.nameStart, shape.nameEnd);
      if (result === REMOVE_HAS_DEPENDENTS) {
        results[CMD_REMOVE * 3 + REPLY_FAIL]++;
        return REPLY_FAIL;
      }
      if (result === REMOVE_REMOVED) {
        if (this.durable) {
          this.store.deletePackage(graph.names.nameOf(graph.lastId));
          this.pipeline.changed();
        }
        this.logChange(graph.lastId, 0);
      }
      results[CMD_REMOVE * 3 + REPLY_OK]++;
      return REPLY_OK;
    }
    const code = graph.queryBytes(buf, shape.nameStart, shape.nameEnd) ? REPLY_OK : REPLY_FAIL;
    results[command * 3 + code]++;
    return code;
  }

  /**
   * Applies a batch of newline-separated valid lines (an I/O worker's
   * message) and writes reply code i over byte i of the same buffer (every
   * line takes at least two bytes, so code i never overwrites an unread
   * line). Returns the count.
   */
  applyBatch(batch: Uint8Array, length: number = batch.length): number {
    const t0 = performance.now();
    const shape = this.shape;
    let start = 0;
    let count = 0;
    while (start < length) {
      let nl = batch.indexOf(NEWLINE, start);
      if (nl === -1 || nl > length) nl = length;
      // Workers validated already; this re-check is cheap and keeps a bug in
      // a worker from reaching the graph (answered ERROR).
      batch[count++] = scanLine(batch, start, nl, shape) === 0 ? this.apply(batch, shape) : REPLY_ERROR;
      start = nl + 1;
    }
    this.stats.recordBatch(count, (performance.now() - t0) / 1000);
    return count;
  }

  /**
   * Commits what was applied, waits for the commit in flight, then closes
   * the store. Rejects with the commit error if that fails (the store is
   * closed either way; an uncommitted batch is rolled back, never committed).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.pipeline.settle();
    } finally {
      this.store.close();
    }
  }

  private logChange(id: number, indexed: number): void {
    this.applied++;
    if (this.listeners.length === 0) {
      if (!this.durable) this.publishedRevisionValue = this.applied;
      return;
    }
    const depCount = indexed === 1 && this.keepDependencies ? this.graph.dependencyCount(id) : 0;
    if (this.changeCount + 3 + depCount > this.changes.length) {
      const grown = new Int32Array(Math.max(this.changes.length * 2, this.changeCount + 3 + depCount));
      grown.set(this.changes.subarray(0, this.changeCount));
      this.changes = grown;
    }
    const changes = this.changes;
    changes[this.changeCount++] = id;
    changes[this.changeCount++] = indexed;
    changes[this.changeCount++] = depCount;
    if (depCount > 0) this.changeCount += this.graph.copyDependencyIds(id, changes, this.changeCount);
    // Nothing to commit: the change may be seen as soon as it is applied.
    if (!this.durable) this.publish(this.changeCount, this.applied);
  }

  /** Hands changes[0, upTo) (ending at revision `upToRevision`) to the listeners in apply order and drops them. */
  private publish(upTo: number, upToRevision: number): void {
    // A commit that wrote nothing (it only released replies) publishes nothing.
    if (upToRevision <= this.publishedRevisionValue) return;
    const first = this.publishedRevisionValue + 1;
    this.publishedRevisionValue = upToRevision;
    const listeners = this.listeners;
    if (listeners.length === 0 || upTo === 0) return;
    const changes = this.changes;
    let revision = first;
    for (let i = 0; i < upTo; revision++) {
      const id = changes[i];
      const indexed = changes[i + 1] === 1;
      const depCount = changes[i + 2];
      for (let l = 0; l < listeners.length; l++) listeners[l].published(id, indexed, revision, changes, i + 3, depCount);
      i += 3 + depCount;
    }
    for (let l = 0; l < listeners.length; l++) listeners[l].publishedUpTo?.(upToRevision);
    changes.copyWithin(0, upTo, this.changeCount);
    this.changeCount -= upTo;
    this.publishable = Math.max(0, this.publishable - upTo);
  }
}
