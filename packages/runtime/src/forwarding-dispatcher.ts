import type { MessagePort } from "node:worker_threads";
import type { CommandStats } from "@pkgindex/metrics";
import { CMD_INDEX, CMD_QUERY, REPLY_PENDING, type LineShape } from "@pkgindex/protocol";
import type { CommandDispatcher, Connection } from "./connection.ts";
import { ReplyBatch } from "./reply-batch.ts";
import type { ReadViewReader, ReadViewTables } from "./read-view.ts";

const INITIAL_BATCH_BYTES = 64 * 1024;
/** Past this, a batch goes out before the turn ends: bounds one message. */
const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * Worker mode: valid lines parsed in one event-loop turn, from every socket
 * of this worker, travel to the state owner as ONE message: their bytes,
 * newline-separated, in a transferred buffer. The state owner writes the
 * reply codes over the start of that same buffer and transfers it back, so
 * in steady state no buffer is allocated per batch either.
 */
export class ForwardingDispatcher implements CommandDispatcher {
  private readonly port: MessagePort;
  private batch: Buffer;
  private length = 0;
  private pending = new ReplyBatch();
  /** Sent batches, oldest first: the state owner answers them in order. */
  private readonly inFlight: ReplyBatch[] = [];
  private readonly freeBuffers: Buffer[] = [];
  private readonly freeBatches: ReplyBatch[] = [];
  private sendScheduled = false;

  private readonly view: ReadViewReader | null;
  private readonly stats: CommandStats;

  /** `view`: answer from the read view when it may (--reads local); null: always forward. */
  constructor(port: MessagePort, view: ReadViewReader | null, stats: CommandStats) {
    this.port = port;
    this.view = view;
    this.stats = stats;
    this.batch = this.takeBuffer(INITIAL_BATCH_BYTES);
    port.on("message", (m: Uint8Array | ReadViewTables) => {
      if (m instanceof Uint8Array) this.onReply(m);
      else this.view?.update(m);
    });
  }

  /** Batches in flight to the state owner (for tests and metrics). */
  get batchesInFlight(): number {
    return this.inFlight.length;
  }

  dispatch(conn: Connection, buf: Buffer, start: number, end: number, shape: LineShape): number {
    // A QUERY with nothing of its connection still at the state owner may
    // skip the hop: every earlier command of this connection has its reply,
    // so the view already shows its effect (published before the reply).
    // So may an INDEX or REMOVE that would change nothing (read-view.ts):
    // its answer is a read of the same committed state.
    if (this.view !== null && conn.pendingAtOwner === 0) {
      const command = shape.command;
      const code =
        command === CMD_QUERY
          ? this.view.query(buf, shape.nameStart, shape.nameEnd)
          : command === CMD_INDEX
            ? this.view.index(buf, shape.nameStart, shape.nameEnd, shape.depsStart, shape.depsEnd)
            : this.view.remove(buf, shape.nameStart, shape.nameEnd);
      if (code >= 0) {
        this.stats.results[command * 3 + code]++;
        if (command === CMD_QUERY) this.stats.localReads++;
        else this.stats.localUnchanged++;
        return code;
      }
    }
    const needed = this.length + (end - start) + 1;
    if (needed > this.batch.length) this.growBatch(needed);
    buf.copy(this.batch, this.length, start, end);
    this.batch[needed - 1] = 10;
    this.length = needed;
    this.pending.addPending(conn);
    if (this.length >= MAX_BATCH_BYTES) this.send();
    else if (!this.sendScheduled) {
      this.sendScheduled = true;
      setImmediate(this.sendFromImmediate);
    }
    return REPLY_PENDING;
  }

  private readonly sendFromImmediate = (): void => {
    this.sendScheduled = false;
    this.send();
  };

  private send(): void {
    if (this.pending.size === 0) return;
    const view = new Uint8Array(this.batch.buffer, this.batch.byteOffset, this.length);
    this.inFlight.push(this.pending);
    this.port.postMessage(view, [view.buffer as ArrayBuffer]);
    this.pending = this.freeBatches.pop() ?? new ReplyBatch();
    this.batch = this.takeBuffer(INITIAL_BATCH_BYTES);
    this.length = 0;
  }

  private onReply(codes: Uint8Array): void {
    const batch = this.inFlight.shift();
    if (batch === undefined) return;
    batch.deliver(codes);
    this.freeBatches.push(batch);
    if (codes.buffer.byteLength >= INITIAL_BATCH_BYTES && this.freeBuffers.length < 4) {
      this.freeBuffers.push(Buffer.from(codes.buffer as ArrayBuffer));
    }
  }

  private takeBuffer(min: number): Buffer {
    for (let i = this.freeBuffers.length - 1; i >= 0; i--) {
      if (this.freeBuffers[i].length >= min) {
        const found = this.freeBuffers[i];
        this.freeBuffers.splice(i, 1);
        return found;
      }
    }
    // Its own ArrayBuffer (not Node's shared pool), so it can be transferred.
    return Buffer.from(new ArrayBuffer(Math.max(min, INITIAL_BATCH_BYTES)));
  }

  private growBatch(needed: number): void {
    let size = this.batch.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.from(new ArrayBuffer(size));
    this.batch.copy(grown, 0, 0, this.length);
    this.batch = grown;
  }
}
