import type { Socket } from "node:net";
import {
  CMD_QUERY,
  COMMAND_NAMES,
  createLineShape,
  FRAME_OK,
  LineFramer,
  PROTOCOL_ERROR_BY_CODE,
  PROTOCOL_ERRORS,
  REPLY_ERROR,
  REPLY_UNANSWERED,
  scanLine,
  type LineShape,
} from "@pkgindex/protocol";
import { REJECT_IDLE_TIMEOUT, REJECT_LINE_TIMEOUT, REJECT_LINE_TOO_LONG, REJECT_PENDING_CAP, type CommandStats } from "@pkgindex/metrics";
import type { LimitReporter } from "./limit-reporter.ts";
import type { Logger } from "./logger.ts";
import { ReplyRing } from "./reply-ring.ts";
import type { ConnectionLimits } from "./server-config.ts";

/** Who the client is, settled before its first line (PROXY header, TLS handshake). */
export interface ClientIdentity {
  /** The client address: from the PROXY header when there is one, else the peer. */
  address: string;
  /** Verified certificate names (CN, DNS and URI SANs); empty without one. */
  names: readonly string[];
  /** Whether --writers lets it INDEX and REMOVE. */
  mayWrite: boolean;
}

/** What every connection of a thread shares. */
export interface ConnectionContext {
  limits: ConnectionLimits;
  dispatcher: CommandDispatcher;
  stats: CommandStats;
  logger: Logger;
  reporter: LimitReporter;
  /** A coarse clock (ms), advanced by the server's sweep: no timer per socket. */
  clock: { now: number };
}

/** Where a connection sends the valid lines it frames. */
export interface CommandDispatcher {
  /**
   * A valid line buf[start, end) whose fields are in `shape`. Returns its
   * reply code when answered now, or REPLY_PENDING when conn.resolve() will
   * deliver it later.
   */
  dispatch(conn: Connection, buf: Buffer, start: number, end: number, shape: LineShape): number;
}

// Validation runs synchronously to completion, so one shape serves the thread.
const sharedShape = createLineShape();
/**
 * After our last reply is flushed and our FIN sent, how long a client that
 * keeps its side open is given before the socket is destroyed. Everything
 * owed is in the kernel by then, so this cuts off nothing.
 */
const CLOSE_GRACE_MS = 2000;
const E_LINE_TOO_LONG = PROTOCOL_ERRORS.LINE_TOO_LONG.code;

/**
 * One client socket: frames its bytes, answers malformed lines itself, keeps
 * a FIFO of reply slots so replies leave in request order, and stops reading
 * from a client that does not read its replies.
 */
export class Connection {
  readonly socket: Socket;
  /** The client: from the PROXY header when one is required, else the peer. */
  readonly remoteAddress: string;
  private readonly identity: ClientIdentity;
  closed = false;
  /** Set while queued in a dispatcher's flush list, to queue it once. */
  flushQueued = false;
  private readonly ring = new ReplyRing();
  private readonly framer: LineFramer;
  private readonly limits: ConnectionLimits;
  private readonly dispatcher: CommandDispatcher;
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private readonly reporter: LimitReporter;
  private paused = false;
  private closing = false;
  /** A command's outcome is unknown: nothing more is answered, the socket ends. */
  private abandoned = false;
  /** Coarse clock reading (ConnectionServer's sweep) of the last complete line. */
  lastLineAt: number;
  /** When the current unfinished line began (0: none). */
  partialSince = 0;
  private readonly onLine: (buf: Buffer, start: number, end: number) => void;
  private readonly clock: { now: number };

  constructor(socket: Socket, ctx: ConnectionContext, identity: ClientIdentity) {
    const limits = ctx.limits;
    this.lastLineAt = ctx.clock.now;
    this.socket = socket;
    this.logger = ctx.logger;
    this.reporter = ctx.reporter;
    this.remoteAddress = identity.address;
    this.identity = identity;
    this.limits = limits;
    this.dispatcher = ctx.dispatcher;
    this.stats = ctx.stats;
    this.framer = new LineFramer(limits.maxLineBytes);
    const mayWrite = identity.mayWrite;
    this.onLine = (buf, start, end) => {
      this.lastLineAt = this.clock.now;
      const err = scanLine(buf, start, end, sharedShape);
      if (err !== 0) {
        this.stats.protocolErrors[err]++;
        this.reporter.malformed(PROTOCOL_ERROR_BY_CODE[err]!.id, this.remoteAddress);
        this.ring.push(REPLY_ERROR);
        return;
      }
      if (!mayWrite && sharedShape.command !== CMD_QUERY) {
        // Refused before the dispatcher: the index never sees it.
        this.stats.denied[sharedShape.command]++;
        this.reporter.denied(COMMAND_NAMES[sharedShape.command], this.remoteAddress, this.identity.names);
        this.ring.push(REPLY_ERROR);
        return;
      }
      this.ring.push(this.dispatcher.dispatch(this, buf, start, end, sharedShape));
    };
    this.clock = ctx.clock;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.maybeResume());
    // The client half-closed (nc, `printf … | client`): answer every line
    // it sent, then end our side (the server allows half-open sockets).
    socket.on("end", () => this.drain());
    // A vanished client is normal: drop its replies, keep nothing.
    socket.on("error", () => this.markClosed());
    socket.on("close", () => this.markClosed());
    // A socket whose PROXY header was read first was left paused.
    socket.resume();
  }

  /** Slots (pending or ready) not yet written. */
  get owedReplies(): number {
    return this.ring.size;
  }

  /** Delivers the state owner's code for this connection's oldest pending slot. */
  resolve(code: number): void {
    if (this.closed || this.abandoned) return;
    if (code === REPLY_UNANSWERED) {
      this.abandon();
      return;
    }
    this.ring.resolve(code);
  }

  /** Replies owed that are not yet in the kernel: pending, ready or buffered. */
  get owesReplies(): boolean {
    return this.ring.size > 0 || (this.closing && !this.socket.writableFinished && this.socket.writableLength > 0);
  }

  /** Slots still waiting for the state owner's code. */
  get pendingAtOwner(): number {
    return this.ring.pendingCount;
  }

  /** Writes every reply ready at the head of the FIFO as one write. */
  flush(): void {
    if (this.closed) return;
    const out = this.ring.takeReady();
    if (out !== null) this.socket.write(out);
    if (this.closing) {
      if (this.ring.size === 0 && !this.socket.writableEnded) {
        // end() queues our FIN behind every reply still buffered: 'finish'
        // fires only once they are all in the kernel, however slowly the
        // client reads. Only then is a client that keeps its side open cut
        // off (the drain deadline bounds the wait before that).
        this.socket.end();
        this.socket.once("finish", () => setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref());
      }
      return;
    }
    this.maybeResume();
  }

  private onData(data: Buffer): void {
    if (this.closing) return;
    const status = this.framer.push(data, this.onLine);
    if (this.framer.pendingBytes === 0) this.partialSince = 0;
    else if (this.partialSince === 0) this.partialSince = this.clock.now;
    if (status !== FRAME_OK) {
      // Oversized line: answer ERROR after every earlier reply, then close,
      // so a client cannot make the server buffer without bound.
      this.stats.protocolErrors[E_LINE_TOO_LONG]++;
      this.reporter.report(REJECT_LINE_TOO_LONG, this.remoteAddress, "connection closed: request line longer than --max-line-bytes");
      this.ring.push(REPLY_ERROR);
      this.beginClosing();
    } else if (
      !this.paused &&
      (this.ring.size >= this.limits.maxPendingReplies || this.socket.writableLength >= this.limits.maxWriteBuffer)
    ) {
      this.paused = true;
      this.socket.pause();
      this.reporter.report(REJECT_PENDING_CAP, this.remoteAddress, "reading paused: replies owed reached --max-pending-replies or --max-write-buffer");
      this.logger.debug(
        { client: this.remoteAddress, owed: this.ring.size, queuedBytes: this.socket.writableLength },
        "reading paused: client is not reading its replies",
      );
    }
    if (this.ring.readyCount > 0) this.flush();
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

  /** Whether the sweep at `now` should close this connection, and why (-1: keep). */
  expired(now: number, idleMs: number, lineMs: number): number {
    if (this.closed || this.closing) return -1;
    if (lineMs > 0 && this.partialSince !== 0 && now - this.partialSince > lineMs) return REJECT_LINE_TIMEOUT;
    // Silent: no complete line for idleMs and nothing owed (a client waiting
    // for its replies is not idle). Bytes that never finish a line do not count.
    if (idleMs > 0 && now - this.lastLineAt > idleMs && this.ring.size === 0) return REJECT_IDLE_TIMEOUT;
    return -1;
  }

  /**
   * The outcome of this connection's oldest pending command is unknown: it
   * and everything after it go unanswered, and the connection ends (after
   * the replies already written, which are all earlier ones: slots leave
   * from the head) so the client knows to retry. Later input is discarded.
   */
  private abandon(): void {
    this.abandoned = true;
    this.ring.clear();
    this.beginClosing();
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
