import type { LineShape } from "@pkgindex/protocol";
import type { CommandDispatcher, Connection } from "./connection.ts";
import type { IndexState } from "./index-state.ts";

/**
 * Single-thread mode (--workers 0): commands are applied where they are
 * parsed, with no hop. With a durable store, replies wait for the group
 * commit that ends the event-loop turn; with memory they go out at once.
 */
export class LocalDispatcher implements CommandDispatcher {
  private readonly state: IndexState;
  private readonly waiting: Connection[] = [];
  private commitScheduled = false;
  private readonly durable: boolean;
  private readonly onCommitFailed: (err: unknown) => void;

  constructor(state: IndexState, onCommitFailed: (err: unknown) => void) {
    this.state = state;
    this.durable = state.store.kind !== "memory";
    this.onCommitFailed = onCommitFailed;
  }

  dispatch(_conn: Connection, buf: Buffer, _start: number, _end: number, shape: LineShape): number {
    return this.state.apply(buf, shape);
  }

  replyReady(conn: Connection): void {
    if (!this.durable) {
      conn.flush();
      return;
    }
    if (!conn.flushQueued) {
      conn.flushQueued = true;
      this.waiting.push(conn);
    }
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(this.commitAndFlush);
    }
  }

  private readonly commitAndFlush = (): void => {
    this.commitScheduled = false;
    try {
      this.state.commit();
    } catch (err) {
      // Never acknowledge what is not stored: nothing of this batch is sent.
      this.onCommitFailed(err);
      return;
    }
    const waiting = this.waiting;
    for (let i = 0; i < waiting.length; i++) {
      waiting[i].flushQueued = false;
      waiting[i].flush();
    }
    waiting.length = 0;
  };
}
