import type { LineShape } from "@pkgindex/protocol";
import { REPLY_PENDING } from "@pkgindex/protocol";
import type { CommandDispatcher, Connection } from "./connection.ts";
import type { IndexEngine } from "./index-engine.ts";
import { ReplyBatch } from "./reply-batch.ts";

/**
 * Single-thread mode (--workers 0): commands are applied where they are
 * parsed, with no hop. A reply that must wait for a commit (the engine says
 * so) is held in this turn's ReplyBatch and released, in order, when the
 * commit covering it resolves (all ERROR if that commit was refused for a
 * full store and undone); otherwise it is answered at once.
 */
export class LocalDispatcher implements CommandDispatcher {
  private readonly engine: IndexEngine;
  private current: ReplyBatch | null = null;
  /** engine.commitsBegun when `current` was held: once a commit begins, `current` is closed. */
  private currentHeldAt = 0;
  private readonly free: ReplyBatch[] = [];

  constructor(engine: IndexEngine) {
    this.engine = engine;
  }

  dispatch(conn: Connection, buf: Buffer, _start: number, _end: number, shape: LineShape): number {
    const code = this.engine.apply(buf, shape);
    if (!this.engine.mustHold) return code;
    let batch = this.current;
    // A commit that began after `current` was held covers only what was
    // applied before it: this reply needs the next commit, so a new batch.
    if (batch === null || this.currentHeldAt !== this.engine.commitsBegun) {
      batch = this.free.pop() ?? new ReplyBatch();
      this.current = batch;
      this.currentHeldAt = this.engine.commitsBegun;
      const held = batch;
      this.engine.hold((committed) => this.release(held, committed));
    }
    batch.add(conn, code);
    return REPLY_PENDING;
  }

  private release(batch: ReplyBatch, committed: boolean): void {
    if (this.current === batch) this.current = null;
    if (committed) batch.deliver();
    else batch.deliverErrors();
    this.free.push(batch);
  }
}
