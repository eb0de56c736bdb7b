import type { Socket } from "node:net";
import {
  createLineShape,
  FRAME_OK,
  LineFramer,
  PROTOCOL_ERRORS,
  REPLY_ERROR,
  scanLine,
  type LineShape,
} from "@pkgindex/protocol";
import type { CommandStats } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";
import { ReplyRing } from "./reply-ring.ts";
import type { ConnectionLimits } from "./server-config.ts";

/** Where a connection sends the valid lines it frames. */
export interface CommandDispatcher {
  /**
   * A valid line buf[start, end) whose fields are in `shape`. Returns its
   * reply code when answered now, or REPLY_PENDING when conn.resolve() will
   * deliver it later.
   */
  dispatch(conn: Connection, buf: Buffer, start: number, end: number, shape: LineShape): number;
  /** Replies are ready on `conn`: flush now, or after the pending commit. */
  replyReady(conn: Connection): void;
}

// Validation runs synchronously to completion, so one shape serves the thread.
const sharedShape = createLineShape();
const CLOSE_GRACE_MS = 2000;
const E_LINE_TOO_LONG = PROTOCOL_ERRORS.LINE_TOO_LONG.code;

/**
 * One client socket: frames its bytes, answers malformed lines itself, keeps
 * a FIFO of reply slots so replies leave in request order, and stops reading
 * from a client that does not read its replies.
 */
export class Connection {
  readonly socket: Socket;
  readonly remoteAddress: string;
  closed = false;
  /** Set while queued in a dispatcher's flush list, to queue it once. */
  flushQueued = false;
  private readonly ring = new ReplyRing();
  private readonly framer: LineFramer;
  private readonly limits: ConnectionLimits;
  private readonly dispatcher: CommandDispatcher;
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private paused = false;
  private closing = false;
  private readonly onLine: (buf: Buffer, start: number, end: number) => void;

  constructor(socket: Socket, limits: ConnectionLimits, dispatcher: CommandDispatcher, stats: CommandStats, logger: Logger) {
    this.socket = socket;
    this.logger = logger;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.limits = limits;
    this.dispatcher = dispatcher;
    this.stats = stats;
    this.framer = new LineFramer(limits.maxLineBytes);
    this.onLine = (buf, start, end) => {
      const err = scanLine(buf, start, end, sharedShape);
      if (err !== 0) {
        this.stats.protocolErrors[err]++;
        this.ring.push(REPLY_ERROR);
        return;
      }
      this.ring.push(this.dispatcher.dispatch(this, buf, start, end, sharedShape));
    };
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.maybeResume());
    // A vanished client is normal: drop its replies, keep nothing.
    socket.on("error", () => this.markClosed());
    socket.on("close", () => this.markClosed());
  }

  /** Slots (pending or ready) not yet written. */
  get owedReplies(): number {
    return this.ring.size;
  }

  /** Delivers the state owner's code for this connection's oldest pending slot. */
  resolve(code: number): void {
    if (this.closed) return;
    this.ring.resolve(code);
  }

  /** Writes every reply ready at the head of the FIFO as one write. */
  flush(): void {
    if (this.closed) return;
    const out = this.ring.takeReady();
    if (out !== null) this.socket.write(out);
    if (this.closing) {
      if (this.ring.size === 0 && !this.socket.writableEnded) {
        this.socket.end();
        // Bounded: a client that never closes its side is cut off.
        setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
      }
      return;
    }
    this.maybeResume();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const status = this.framer.push(chunk, this.onLine);
    if (status !== FRAME_OK) {
      // Oversized line: answer ERROR after every earlier reply, then close,
      // so a client cannot make the server buffer without bound.
      this.stats.protocolErrors[E_LINE_TOO_LONG]++;
      this.ring.push(REPLY_ERROR);
      this.beginClosing();
    } else if (
      !this.paused &&
      (this.ring.size >= this.limits.maxPendingReplies || this.socket.writableLength >= this.limits.maxWriteBuffer)
    ) {
      this.paused = true;
      this.socket.pause();
      this.logger.debug(
        { client: this.remoteAddress, owed: this.ring.size, queuedBytes: this.socket.writableLength },
        "reading paused: client is not reading its replies",
      );
    }
    if (this.ring.readyCount > 0) this.dispatcher.replyReady(this);
  }

  /**
   * Graceful close: answer what was already read, then end. Input that
   * arrives meanwhile is read and discarded, never answered: closing a socket
   * with unread input makes the kernel send RST, and the client could lose
   * replies it has not read yet.
   */
  drain(): void {
    if (this.closing || this.closed) return;
    this.beginClosing();
    // Owed replies keep their normal path (a durable store's replies wait for
    // their commit); the last flush ends the socket.
    if (this.ring.size === 0) this.flush();
  }

  /** Abrupt close (idle timeout, drain timeout). */
  closeNow(): void {
    this.socket.destroy();
  }

  private beginClosing(): void {
    this.closing = true;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closing || this.closed) return;
    if (this.ring.size * 2 <= this.limits.maxPendingReplies && this.socket.writableLength * 2 <= this.limits.maxWriteBuffer) {
      this.paused = false;
      this.socket.resume();
      this.logger.debug({ client: this.remoteAddress }, "reading resumed");
    }
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.stats.connectionsOpen--;
    this.socket.destroy();
  }
}
