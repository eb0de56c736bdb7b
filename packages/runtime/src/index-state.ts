import {
  DependencyGraph,
  INDEX_MISSING_DEPENDENCY,
  INDEX_CYCLE,
  indexChanged,
  REMOVE_HAS_DEPENDENTS,
  REMOVE_REMOVED,
} from "@pkgindex/graph";
import {
  CMD_INDEX,
  CMD_REMOVE,
  createLineShape,
  createParsedCommand,
  decodeLine,
  REPLY_ERROR,
  REPLY_FAIL,
  REPLY_OK,
  scanLine,
  type ParsedCommand,
} from "@pkgindex/protocol";
import { PkgIndexError } from "@pkgindex/errors";
import type { Store } from "@pkgindex/store";
import { CommandStats } from "@pkgindex/metrics";

const NEWLINE = 10;

/**
 * The graph and its durable copy: the only code that mutates the index. In
 * worker mode it runs on the state-owner thread; with --workers 0 on the
 * single thread. Its order of apply() calls is the server's linearization.
 */
export class IndexState {
  readonly graph: DependencyGraph;
  readonly store: Store;
  readonly stats = new CommandStats();
  private readonly durable: boolean;
  private readonly depsScratch: string[] = [];
  private readonly shape = createLineShape();
  private readonly parsed = createParsedCommand();
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

  /** Applies one parsed command; returns its reply code. */
  apply(cmd: ParsedCommand): number {
    const stats = this.stats.results;
    if (cmd.command === CMD_INDEX) {
      const result = this.graph.index(cmd.name, cmd.deps, cmd.depCount);
      if (indexChanged(result)) {
        if (this.durable) {
          const n = this.graph.dependenciesOf(cmd.name, this.depsScratch);
          this.store.putPackage(cmd.name, this.depsScratch, n);
          this.dirty = true;
        }
      } else if (result === INDEX_MISSING_DEPENDENCY || result === INDEX_CYCLE) {
        stats[CMD_INDEX * 3 + REPLY_FAIL]++;
        return REPLY_FAIL;
      }
      stats[CMD_INDEX * 3 + REPLY_OK]++;
      return REPLY_OK;
    }
    if (cmd.command === CMD_REMOVE) {
      const result = this.graph.remove(cmd.name);
      if (result === REMOVE_HAS_DEPENDENTS) {
        stats[CMD_REMOVE * 3 + REPLY_FAIL]++;
        return REPLY_FAIL;
      }
      if (result === REMOVE_REMOVED && this.durable) {
        this.store.deletePackage(cmd.name);
        this.dirty = true;
      }
      stats[CMD_REMOVE * 3 + REPLY_OK]++;
      return REPLY_OK;
    }
    const code = this.graph.query(cmd.name) ? REPLY_OK : REPLY_FAIL;
    stats[cmd.command * 3 + code]++;
    return code;
  }

  /**
   * Applies a batch of newline-terminated valid lines from an I/O worker and
   * writes reply code i over byte i of the same buffer (every line takes at
   * least two bytes, so code i never overwrites an unread line). Returns the count.
   */
  applyBatch(batch: Buffer): number {
    const shape = this.shape;
    const parsed = this.parsed;
    let start = 0;
    let count = 0;
    const length = batch.length;
    while (start < length) {
      let nl = batch.indexOf(NEWLINE, start);
      if (nl === -1) nl = length;
      // Workers validated already; a failure here is a bug, answered ERROR.
      let code = REPLY_ERROR;
      if (scanLine(batch, start, nl, shape) === 0) {
        decodeLine(batch, shape, parsed);
        code = this.apply(parsed);
      }
      batch[count++] = code;
      start = nl + 1;
    }
    this.stats.batches++;
    this.stats.batchedCommands += count;
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
  }
}
