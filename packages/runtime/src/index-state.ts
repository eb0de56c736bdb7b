import { PkgIndexError } from "@pkgindex/errors";
import { DependencyGraph, indexChanged, INDEX_CYCLE, INDEX_MISSING_DEPENDENCY, REMOVE_HAS_DEPENDENTS, REMOVE_REMOVED } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import { CMD_INDEX, CMD_REMOVE, createLineShape, REPLY_ERROR, REPLY_FAIL, REPLY_OK, scanLine, type LineShape } from "@pkgindex/protocol";
import type { Store } from "@pkgindex/store";

const NEWLINE = 10;

/**
 * The graph and its durable copy: the only code that mutates the index. In
 * worker mode it runs on the state-owner thread; with --workers 0 on the
 * single thread. Its order of apply calls is the server's linearization.
 * Commands are applied from the request bytes: names are never decoded,
 * except to hand a change to the store.
 */
export class IndexState {
  readonly graph: DependencyGraph;
  readonly store: Store;
  readonly stats = new CommandStats();
  private readonly durable: boolean;
  private readonly depsScratch: string[] = [];
  private readonly shape = createLineShape();
  private dirty = false;

  constructor(graph: DependencyGraph, store: Store) {
    this.graph = graph;
    this.store = store;
    this.durable = store.kind !== "memory";
  }

  /**
   * Loads the durable copy into the graph (start-up) and checks every graph
   * invariant on the result: a store that disagrees with itself is refused.
   */
  load(): { packages: number; edges: number; millis: number } {
    const stats = this.store.load((name, deps) => this.graph.restore(name, deps));
    const problem = this.graph.checkIntegrity();
    if (problem !== null) throw new PkgIndexError("PKGI_INTEGRITY", { reason: problem });
    return { packages: stats.packages, edges: stats.edges, millis: stats.millis };
  }

  /** Applies one validated line whose fields are in `shape`; returns its reply code. */
  apply(buf: Buffer, shape: LineShape): number {
    const graph = this.graph;
    const results = this.stats.results;
    const command = shape.command;
    if (command === CMD_INDEX) {
      const result = graph.indexBytes(buf, shape.nameStart, shape.nameEnd, shape.depsStart, shape.depsEnd);
      if (result === INDEX_MISSING_DEPENDENCY || result === INDEX_CYCLE) {
        results[CMD_INDEX * 3 + REPLY_FAIL]++;
        return REPLY_FAIL;
      }
      if (this.durable && indexChanged(result)) {
        const id = graph.lastId;
        const n = graph.dependencyNamesOf(id, this.depsScratch);
        this.store.putPackage(graph.names.nameOf(id), this.depsScratch, n);
        this.dirty = true;
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
      if (this.durable && result === REMOVE_REMOVED) {
        this.store.deletePackage(graph.names.nameOf(graph.lastId));
        this.dirty = true;
      }
      results[CMD_REMOVE * 3 + REPLY_OK]++;
      return REPLY_OK;
    }
    const code = graph.queryBytes(buf, shape.nameStart, shape.nameEnd) ? REPLY_OK : REPLY_FAIL;
    results[command * 3 + code]++;
    return code;
  }

  /**
   * Applies a batch of newline-terminated valid lines from an I/O worker and
   * writes reply code i over byte i of the same buffer (every line takes at
   * least two bytes, so code i never overwrites an unread line). Returns the
   * count.
   */
  applyBatch(batch: Buffer): number {
    const t0 = performance.now();
    const shape = this.shape;
    let start = 0;
    let count = 0;
    const length = batch.length;
    while (start < length) {
      let nl = batch.indexOf(NEWLINE, start);
      if (nl === -1) nl = length;
      // Workers validated already; this re-check is cheap and keeps a bug in
      // a worker from reaching the graph (answered ERROR).
      batch[count++] = scanLine(batch, start, nl, shape) === 0 ? this.apply(batch, shape) : REPLY_ERROR;
      start = nl + 1;
    }
    this.stats.recordBatch(count, (performance.now() - t0) / 1000);
    return count;
  }

  /** Whether mutations await commit(). */
  get hasUncommitted(): boolean {
    return this.dirty;
  }

  /** Group commit: one transaction for everything applied since the last. */
  commit(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.store.commit();
    this.stats.commits++;
  }
}
