import type { ChangeRetention } from "@pkgindex/store";
import { forEachChange, type ChangeBatch } from "./change-batch.ts";
import { changeJson, depsJson } from "./change-json.ts";
import { ChangeLog } from "./change-log.ts";
import type { FeedSnapshot, FeedSource } from "./feed-source.ts";

/**
 * The feed's copy of the index and its history, fed by the engine's
 * committed changes (ChangeBatch messages in worker mode, direct calls with
 * --workers 0). It keeps its own fold of the index (name -> dependency JSON)
 * so a snapshot never asks the state owner for anything: it is the state at
 * exactly `currentRevision`, one point in apply order.
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
    this.fold.clear();
    let start = 0;
    while (start < packages.length) {
      const end = packages.indexOf("\n", start);
      const bar = packages.indexOf("|", start);
      this.fold.set(packages.slice(start, bar), depsJson(packages.slice(bar + 1, end)));
      start = end + 1;
    }
    this.log.reset(history.length === 0 ? revision : history[0].first - 1);
    for (const batch of history) this.appendToLog(batch);
    if (this.log.current !== revision) throw new Error(`feed: history ends at ${this.log.current}, the index is at ${revision}`);
  }

  /** The next committed changes (batch.first must be currentRevision + 1). */
  append(batch: ChangeBatch): void {
    if (batch.first !== this.log.current + 1) throw new Error(`feed: expected revision ${this.log.current + 1}, got ${batch.first}`);
    const first = batch.first;
    let revision = first;
    forEachChange(batch.text, (indexed, name, deps) => {
      const json = changeJson(revision++, indexed, name, deps);
      this.log.append(json, batch.at);
      if (indexed) this.fold.set(name, depsJson(deps));
      else this.fold.delete(name);
    });
    if (revision === first) return;
    for (const listener of this.listeners) listener(first, revision - 1);
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

  private appendToLog(batch: ChangeBatch): void {
    let revision = batch.first;
    forEachChange(batch.text, (indexed, name, deps) => this.log.append(changeJson(revision++, indexed, name, deps), batch.at));
  }
}
