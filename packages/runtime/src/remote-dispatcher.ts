import { REPLY_PENDING, type LineShape } from "@pkgindex/protocol";
import type { CommandDispatcher, Connection } from "./connection.ts";
import type { RemoteEngine } from "./remote-engine.ts";
import { ReplyBatch } from "./reply-batch.ts";

/**
 * --workers 0 with --store postgres: every valid line goes into the remote
 * engine's batch (QUERY too: this node's memory is not the index), and its
 * reply slot waits in the ReplyBatch of that engine batch, slot i for line
 * i, until the database's codes arrive after COMMIT.
 */
export class RemoteDispatcher implements CommandDispatcher {
  private readonly engine: RemoteEngine;
  private current: ReplyBatch | null = null;
  private readonly free: ReplyBatch[] = [];

  constructor(engine: RemoteEngine) {
    this.engine = engine;
  }

  dispatch(conn: Connection, buf: Buffer, start: number, end: number, shape: LineShape): number {
    // Index 0 starts a new engine batch: its slots get a ReplyBatch of their own.
    let batch = this.current;
    if (this.engine.append(buf, start, end, shape.command) === 0 || batch === null) {
      const fresh = this.free.pop() ?? new ReplyBatch();
      batch = fresh;
      this.current = fresh;
      this.engine.hold((codes) => this.release(fresh, codes));
    }
    batch.addPending(conn);
    return REPLY_PENDING;
  }

  private release(batch: ReplyBatch, codes: Uint8Array): void {
    if (this.current === batch) this.current = null;
    batch.deliver(codes);
    this.free.push(batch);
  }
}
