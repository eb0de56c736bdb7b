import type { ChangeRetention } from "@pkgindex/store";
import { forEachChange, type ChangeBatch } from "./change-batch.ts";
import { changeJson, depsJson } from "./change-json.ts";
import { ChangeLog } from "./change-log.ts";
import type { FeedSnapshot, FeedSource } from "./feed-source.ts";

/** One recorded change as a store reads it back (a row of its change table). */
export interface ChangeRow {
  revision: number;
  /** INDEX (true) or REMOVE (false). */
  indexed: boolean;
  name: string;
  /** The new dependency list joined by ',' ('' for none and for REMOVE). */
  deps: string;
  /** When it was applied, ms since the epoch (retention by age). */
  at: number;
}

/**
 * The feed's copy of the index and its history, fed by committed changes:
 * the engine's (ChangeBatch messages in worker mode, direct calls with
 * --workers 0) or a store's change table read back (PostgreSQL, as rows). It
 * keeps its own fold of the index (name -> dependency JSON) so a snapshot
 * never asks the state owner or the database for anything: it is the state
 * at exactly `currentRevision`, one point in apply order.
 */
export class FeedHub implements FeedSource {
  private readonly log: ChangeLog;
  private readonly fold = new Map<string, string>();
  private readonly listeners: ((first: number, last: number) => void)[] = [];

  constructor(retention: ChangeRetention = {}) {
    this.log = new ChangeLog(retention);
  }

  get currentRevision(): number {
    return this.log.current;
  }

  get oldestRetained(): number {
    return this.log.oldest;
  }

  /**
   * The starting point: the index as loaded (`packages`: `name|a,b` lines)
   * at `revision`, and the retained history that ends there (oldest first).
   */
  init(revision: number, packages: string, history: readonly ChangeBatch[]): void {
    const pairs: [string, string][] = [];
    let start = 0;
    while (start < packages.length) {
      const end = packages.indexOf("\n", start);
      const bar = packages.indexOf("|", start);
      pairs.push([packages.slice(start, bar), packages.slice(bar + 1, end)]);
      start = end + 1;
    }
    this.restart(revision, pairs, history.length === 0 ? revision : history[0].first - 1, () => {
      for (const batch of history) {
        let rev = batch.first;
        forEachChange(batch.text, (indexed, name, deps) => this.log.append(changeJson(rev++, indexed, name, deps), batch.at));
      }
    });
  }

  /**
   * Starts (or starts again) from the index at `revision` (`packages`: each
   * name with its dependencies joined by ',') and the retained history that
   * ends there, oldest first. A restart after the hub served changes (the
   * history it holds can no longer be continued) tells the listeners: what
   * lies before `oldestRetained` is gone, so streams behind it are cut off
   * and their clients resync from a snapshot.
   */
  start(revision: number, packages: Iterable<readonly [name: string, deps: string]>, history: readonly ChangeRow[]): void {
    const before = this.log.current;
    this.restart(revision, packages, history.length === 0 ? revision : history[0].revision - 1, () => {
      for (const row of history) {
        if (row.revision !== this.log.current + 1) throw new Error(`feed: history expected revision ${this.log.current + 1}, got ${row.revision}`);
        this.log.append(changeJson(row.revision, row.indexed, row.name, row.deps), row.at);
      }
    });
    if (revision > before) for (const listener of this.listeners) listener(before + 1, revision);
  }

  /** The next committed changes (batch.first must be currentRevision + 1). */
  append(batch: ChangeBatch): void {
    if (batch.first !== this.log.current + 1) throw new Error(`feed: expected revision ${this.log.current + 1}, got ${batch.first}`);
    const first = batch.first;
    let revision = first;
    forEachChange(batch.text, (indexed, name, deps) => this.record(revision++, indexed, name, deps, batch.at));
    this.announce(first, revision - 1);
  }

  /** The next committed changes as rows, consecutive from currentRevision + 1; the listeners hear of them once. */
  appendRows(rows: readonly ChangeRow[]): void {
    const first = this.log.current + 1;
    for (const row of rows) {
      if (row.revision !== this.log.current + 1) throw new Error(`feed: expected revision ${this.log.current + 1}, got ${row.revision}`);
      this.record(row.revision, row.indexed, row.name, row.deps, row.at);
    }
    this.announce(first, this.log.current);
  }

  changesSince(since: number, limit: number): readonly string[] {
    const to = Math.min(this.log.current, since + limit);
    const out: string[] = [];
    for (let revision = Math.max(since + 1, this.log.oldest); revision <= to; revision++) out.push(this.log.json(revision));
    return out;
  }

  snapshot(): FeedSnapshot {
    return { revision: this.log.current, packages: Array.from(this.fold) };
  }

  onCommitted(listener: (first: number, last: number) => void): void {
    this.listeners.push(listener);
  }

  /** Packages in the fold (tests, metrics). */
  get size(): number {
    return this.fold.size;
  }

  private restart(revision: number, packages: Iterable<readonly [string, string]>, logStart: number, fillLog: () => void): void {
    this.fold.clear();
    for (const [name, deps] of packages) this.fold.set(name, depsJson(deps));
    this.log.reset(logStart);
    fillLog();
    if (this.log.current !== revision) throw new Error(`feed: history ends at ${this.log.current}, the index is at ${revision}`);
  }

  private record(revision: number, indexed: boolean, name: string, deps: string, at: number): void {
    this.log.append(changeJson(revision, indexed, name, deps), at);
    if (indexed) this.fold.set(name, depsJson(deps));
    else this.fold.delete(name);
  }

  private announce(first: number, last: number): void {
    if (last < first) return;
    for (const listener of this.listeners) listener(first, last);
  }
}
