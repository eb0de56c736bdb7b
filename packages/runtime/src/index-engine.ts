import { PkgIndexError } from "@pkgindex/errors";
import { DependencyGraph, indexChanged, INDEX_CYCLE, INDEX_MISSING_DEPENDENCY, REMOVE_HAS_DEPENDENTS, REMOVE_REMOVED } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import { CMD_INDEX, CMD_QUERY, CMD_REMOVE, createLineShape, REPLY_ERROR, REPLY_FAIL, REPLY_OK, scanLine, type LineShape } from "@pkgindex/protocol";
import { isStoreFull, openStore, type ChangeRetention, type Store, type StoreKind, type SyncMode } from "@pkgindex/store";
import { CommitPipeline, type Release } from "./commit-pipeline.ts";
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

/** Told when the store stops or starts accepting writes again (`reason`: why not, else ""). */
export type WritableListener = (writable: boolean, reason: string) => void;

/** First and longest wait between probes of a full store (doubling in between). */
const PROBE_FIRST_MS = 100;
const PROBE_MAX_MS = 5000;

/**
 * The index's whole life, the same in both layouts: open the store, load it,
 * apply commands in arrival order (the server's linearization), group
 * commit, publish committed changes to readers, release replies, stop. In
 * worker mode it runs on the state-owner thread; with --workers 0 on the
 * only thread. It never exits the process: a failed commit or a corrupt
 * store is reported (a thrown PkgIndexError at open, `onFailure` later) and
 * the application decides what to do.
 *
 * A commit refused because the disk or quota is full (isStoreFull) is not a
 * failure: the engine undoes in memory everything applied since the last
 * commit that succeeded (graph undo journal, store rollback, unpublished
 * changes dropped), answers every held command ERROR, and turns read-only
 * (INDEX and REMOVE answered ERROR at once, QUERY as before) until a probe
 * commit succeeds, retried with backoff.
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
  /** Worker mode's read view: told when the graph is being changed and when it is settled again. */
  private view: ReadViewWriter | null = null;
  /**
   * Changes applied and not yet published, one record each: id, 1 (indexed)
   * or 0, the dependency count n, then n dependency ids (n is 0 unless a
   * listener wants dependencies).
   */
  private changes = new Int32Array(256);
  private changeCount = 0;
  /** changes[0, publishable) are covered by the commit in flight (or done). */
  private publishable = 0;
  /** The graph's undo mark when the commit in flight began: what it covers. */
  private undoCovered = 0;
  /** Revision of the last change applied, and of the last one the commit in flight covers. */
  private applied: number;
  private publishableRevision: number;
  /** Revision of the last change published (committed and visible). */
  private publishedRevisionValue: number;
  private stopped = false;
  private writableNow = true;
  private readOnlyReason = "";
  private readonly writableListeners: WritableListener[] = [];
  private probeTimer: NodeJS.Timeout | null = null;
  private probeDelayMs = PROBE_FIRST_MS;
  /** INDEX and REMOVE answered ERROR because the store was full. */
  refusedWrites = 0;

  constructor(graph: DependencyGraph, store: Store) {
    this.graph = graph;
    this.store = store;
    this.durable = store.kind !== "memory";
    this.applied = store.revision;
    this.publishableRevision = store.revision;
    this.publishedRevisionValue = store.revision;
    if (this.durable) graph.enableUndo();
    this.pipeline = new CommitPipeline({
      commit: () => {
        this.publishable = this.changeCount;
        this.publishableRevision = this.applied;
        this.undoCovered = graph.undoMark;
        this.stats.commits++;
        return this.store.commit();
      },
      committed: () => {
        if (this.undoCovered > 0) {
          // A real write succeeded: the next full disk starts its backoff afresh.
          this.probeDelayMs = PROBE_FIRST_MS;
          graph.forgetUndo(this.undoCovered);
          this.undoCovered = 0;
        }
        this.publish(this.publishable, this.publishableRevision);
      },
      failed: (err) => {
        if (!isStoreFull(err)) {
          this.reportFailure(err);
          return false;
        }
        this.stats.fullCommits++;
        this.undoUncommitted();
        this.enterReadOnly(err);
        return true;
      },
    });
  }

  /**
   * Opens the store and loads it. Throws a PkgIndexError (store unusable,
   * integrity) with the store closed again.
   */
  static open(options: EngineOptions, view?: ReadViewWriter): { engine: IndexEngine; loaded: LoadedIndex } {
    const store = openStore({ kind: options.store, dataDir: options.dataDir, sync: options.sync, retention: options.retention });
    const shared = view === undefined ? undefined : { shared: true, onReplaced: () => view.replaced() };
    const engine = new IndexEngine(new DependencyGraph({ allowCycles: options.allowCycles, shared }), store);
    try {
      const loaded = engine.load();
      if (view !== undefined) engine.attachReadView(view);
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

  /** Called when the store turns read-only (full) and when it accepts writes again. */
  onWritableChange(listener: WritableListener): void {
    this.writableListeners.push(listener);
  }

  /** False while the store is full: INDEX and REMOVE are answered ERROR. */
  get writable(): boolean {
    return this.writableNow;
  }

  /** Why the store is read-only ("" while writable). */
  get notWritableReason(): string {
    return this.readOnlyReason;
  }

  /**
   * Worker mode: shares the graph with I/O workers through `view` (whose
   * graph was built with its `shared` options) and keeps the view told of
   * every change, of when the graph is being changed, and of a full store.
   */
  attachReadView(view: ReadViewWriter): void {
    view.bind(this.graph);
    this.addChangeListener(view);
    this.view = view;
    this.onWritableChange((writable) => view.setWritable(writable));
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

  /** Moves each time a commit begins: a hold made before covers nothing applied after (see LocalDispatcher). */
  get commitsBegun(): number {
    return this.pipeline.commitsBegun;
  }

  /**
   * Runs `release(true)` once everything applied so far is committed and
   * published, after every release held before it; `release(false)` when
   * that commit was refused for a full store and everything it would have
   * covered was undone (answer ERROR). Never runs after any other failed
   * commit.
   */
  hold(release: Release): void {
    this.pipeline.hold(release);
  }

  /**
   * applyBatch, then hands the codes to `reply` once they may be seen: at
   * once when nothing waits for a commit, else after it; if that commit was
   * refused (full store) every code is ERROR, since the commands may have
   * seen what was undone.
   */
  applyBatchAndReply(batch: Uint8Array, reply: (codes: Uint8Array) => void): void {
    const count = this.applyBatch(batch);
    if (!this.mustHold) {
      reply(batch);
      return;
    }
    this.hold((committed) => {
      if (!committed) batch.fill(REPLY_ERROR, 0, count);
      reply(batch);
    });
  }

  /** Applies one validated line whose fields are in `shape`; returns its reply code. */
  apply(buf: Uint8Array, shape: LineShape): number {
    const command = shape.command;
    if (command === CMD_QUERY) {
      const code = this.graph.queryBytes(buf, shape.nameStart, shape.nameEnd) ? REPLY_OK : REPLY_FAIL;
      this.stats.results[command * 3 + code]++;
      return code;
    }
    if (!this.writableNow) return this.refuseWrite(command);
    const view = this.view;
    if (view === null) return this.applyWrite(buf, shape, command);
    view.writingBegins();
    const code = this.applyWrite(buf, shape, command);
    if (this.changeCount === 0) view.settled();
    return code;
  }

  /** INDEX or REMOVE, on a writable store. */
  private applyWrite(buf: Uint8Array, shape: LineShape, command: number): number {
    const graph = this.graph;
    const results = this.stats.results;
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
   * A live backup of the durable copy into `file`, taken when no batch is
   * open in the store: at once when nothing is uncommitted, else right after
   * the commit that covers everything applied so far (its releases run
   * synchronously after a synchronous commit, so no batch is applied in
   * between). The thread that runs the engine runs nothing else during the
   * copy. Rejects with PKGI_BACKUP_UNAVAILABLE for a store with nothing to
   * copy, after a failed commit, or when that commit was refused for a full
   * store; PKGI_BACKUP_FAILED when the copy cannot be written.
   */
  backup(file: string): Promise<void> {
    const backupTo = this.store.backupTo?.bind(this.store);
    const unavailable = (reason: string) => new PkgIndexError("PKGI_BACKUP_UNAVAILABLE", { store: this.store.kind, reason });
    if (backupTo === undefined) {
      const why = this.store.kind === "memory" ? "it keeps nothing on disk" : "its database has its own backup tools (PostgreSQL: pg_dump, or a standby)";
      return Promise.reject(unavailable(why));
    }
    if (this.stopped || this.pipeline.failedAlready) return Promise.reject(unavailable("the store is stopping or has failed"));
    return new Promise((resolve, reject) => {
      const copy = (): void => {
        try {
          backupTo(file);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      if (!this.pipeline.busy) copy();
      else this.pipeline.hold((committed) => (committed ? copy() : reject(unavailable("the store is full: the last commit was refused"))));
    });
  }

  /**
   * Commits what was applied, waits for the commit in flight, then closes
   * the store. Rejects with the commit error if that fails (the store is
   * closed either way; an uncommitted batch is rolled back, never committed).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.probeTimer !== null) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    try {
      await this.pipeline.settle();
    } finally {
      this.store.close();
    }
  }

  private refuseWrite(command: number): number {
    this.stats.results[command * 3 + REPLY_ERROR]++;
    this.refusedWrites++;
    return REPLY_ERROR;
  }

  private reportFailure(err: unknown): void {
    for (const listener of this.failureListeners) listener(err);
  }

  /**
   * Back to the state of the last commit that succeeded: the graph's
   * journal undone newest first, the store's pending batch dropped, and the
   * changes not yet published forgotten, so no reader ever sees them.
   */
  private undoUncommitted(): void {
    this.store.rollback();
    this.graph.undoAll();
    this.changeCount = 0;
    this.publishable = 0;
    this.undoCovered = 0;
    // The undone changes' revisions are given again, so the feed has no gap.
    this.applied = this.publishedRevisionValue;
    this.publishableRevision = this.publishedRevisionValue;
    this.view?.settled();
  }

  private enterReadOnly(err: unknown): void {
    const wasWritable = this.writableNow;
    this.writableNow = false;
    this.readOnlyReason = err instanceof Error ? err.message : String(err);
    if (wasWritable) for (const listener of this.writableListeners) listener(false, this.readOnlyReason);
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.stopped || this.probeTimer !== null) return;
    const delay = this.probeDelayMs;
    this.probeDelayMs = Math.min(PROBE_MAX_MS, delay * 2);
    this.probeTimer = setTimeout(this.probe, delay);
    // A read-only server that is told to stop must not wait for its next probe.
    this.probeTimer.unref();
  }

  private readonly probe = (): void => {
    this.probeTimer = null;
    if (this.stopped) return;
    // Store.probe() is synchronous for SQLite; a store whose writes are
    // remote may return a promise, as commit() may.
    let pending: unknown;
    try {
      pending = this.store.probe();
    } catch (err) {
      this.probeFailed(err);
      return;
    }
    if (pending instanceof Promise) pending.then(this.probeSucceeded, (err: unknown) => this.probeFailed(err));
    else this.probeSucceeded();
  };

  private readonly probeSucceeded = (): void => {
    if (this.stopped || this.writableNow) return;
    this.writableNow = true;
    this.readOnlyReason = "";
    for (const listener of this.writableListeners) listener(true, "");
  };

  private probeFailed(err: unknown): void {
    if (this.stopped) return;
    if (isStoreFull(err)) {
      this.readOnlyReason = err instanceof Error ? err.message : String(err);
      this.scheduleProbe();
      return;
    }
    // Not a full disk any more but a broken one: as fatal as a failed commit.
    this.reportFailure(err);
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
    if (this.changeCount === 0) this.view?.settled();
  }
}
