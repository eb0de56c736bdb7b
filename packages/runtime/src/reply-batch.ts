import { REPLY_ERROR } from "@pkgindex/protocol";
import type { Connection } from "./connection.ts";

/**
 * Reply codes owed to connections, in the order their commands were applied.
 * deliver() fills each connection's oldest pending slot and then flushes
 * every connection once, so all replies due on one socket leave as one
 * write. Reused: its arrays grow to the largest batch and stay.
 */
export class ReplyBatch {
  private conns: Connection[] = [];
  private codes = new Uint8Array(64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(conn: Connection, code: number): void {
    if (this.count === this.codes.length) {
      const grown = new Uint8Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.count] = code;
    this.conns[this.count++] = conn;
  }

  /** Adds a slot whose code comes later, in deliver(codes). */
  addPending(conn: Connection): void {
    this.conns[this.count++] = conn;
  }

  /** Resolves every slot with ERROR: the commands' effects were undone (a full store refused their commit). */
  deliverErrors(): void {
    this.codes.fill(REPLY_ERROR, 0, this.count);
    this.deliver();
  }

  /**
   * Resolves slot i with codes[i]: the codes added, or the state owner's
   * reply for a forwarded batch.
   */
  deliver(codes: Uint8Array = this.codes): void {
    const conns = this.conns;
    const n = this.count;
    for (let i = 0; i < n; i++) {
      const conn = conns[i];
      conn.resolve(codes[i]);
      conn.flushQueued = true;
    }
    for (let i = 0; i < n; i++) {
      const conn = conns[i];
      if (conn.flushQueued) {
        conn.flushQueued = false;
        conn.flush();
      }
      conns[i] = undefined as unknown as Connection;
    }
    this.count = 0;
  }
}
