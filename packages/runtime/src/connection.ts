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
  /** The client named by the PROXY header; null: the socket's peer (built only when asked). */
  proxied: string | null;
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
  /** Whether debug lines are logged: checked before building a log object per connection. */
  debug: boolean;
  /** Called once when a connection's socket has closed: the server forgets it. */
  closed(conn: Connection): void;
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
/** Connection.paused: reading, or paused with --max-pending-replies commands still at the index, or with --max-write-buffer bytes the kernel would not take. */
const READING = 0;
const PAUSED_FOR_INDEX = 1;
const PAUSED_FOR_CLIENT = 2;

/**
 * The socket's Connection. Socket listeners are shared functions that find
 * their Connection here, instead of closures made per socket and event:
 * closures would cost every connection several hundred bytes of our own.
 */
const OWNER = Symbol("pkgindex.connection");
type OwnedSocket = Socket & { [OWNER]: Connection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER].onData(chunk);
}
function onSocketDrain(this: OwnedSocket): void {
  this[OWNER].writable();
}
// The client half-closed (nc, `printf … | client`): answer every line it
// sent, then end our side (the server allows half-open sockets).
function onSocketEnd(this: OwnedSocket): void {
  this[OWNER].drain();
}
// A vanished client is normal: drop its replies, keep nothing.
function onSocketGone(this: OwnedSocket): void {
  this[OWNER].markClosed();
}
function onSocketFinish(this: OwnedSocket): void {
  this[OWNER].finished();
}
function destroySocket(socket: Socket): void {
  socket.destroy();
}

/**
 * One client socket: frames its bytes, answers malformed lines itself, keeps
 * a FIFO of reply slots so replies leave in request order, and stops reading
 * from a client that does not read its replies.
 */
export class Connection {
  readonly socket: Socket;
  closed = false;
  /** Set while queued in a dispatcher's flush list, to queue it once. */
  flushQueued = false;
  private readonly ring = new ReplyRing();
  private readonly framer: LineFramer;
  private readonly ctx: ConnectionContext;
  private readonly identity: ClientIdentity;
  /** After our FIN: destroys a socket whose client keeps its side open (cleared when the socket closes). */
  private graceTimer: NodeJS.Timeout | null = null;
  /** READING, or why reading is paused (PAUSED_FOR_INDEX, PAUSED_FOR_CLIENT). */
  private paused = READING;
  private closing = false;
  /** A command's outcome is unknown: nothing more is answered, the socket ends. */
  private abandoned = false;
  /** Coarse clock reading (ConnectionServer's sweep) of the last complete line. */
  lastLineAt: number;
  /** When the current unfinished line began (0: none). */
  partialSince = 0;
  /** performance.now() when the chunk being framed was read: the start of its requests' latency. */
  private readAt = 0;

  constructor(socket: Socket, ctx: ConnectionContext, identity: ClientIdentity) {
    const limits = ctx.limits;
    this.ctx = ctx;
    this.identity = identity;
    this.lastLineAt = ctx.clock.now;
    this.socket = socket;
    this.framer = new LineFramer(limits.maxLineBytes);
    (socket as OwnedSocket)[OWNER] = this;
    socket.on("data", onSocketData);
    socket.on("drain", onSocketDrain);
    socket.on("end", onSocketEnd);
    socket.on("error", onSocketGone);
    socket.on("close", onSocketGone);
    // A socket whose PROXY header was read first was left paused.
    socket.resume();
  }

  /**
   * The client: from the PROXY header when one is required, else the peer.
   * Built when asked (logs and limits), not per connection.
   */
  get remoteAddress(): string {
    return this.identity.proxied ?? `${this.socket.remoteAddress}:${this.socket.remotePort}`;
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
    const out = this.ring.takeReady(this.ctx.stats, performance.now());
    if (out !== null) this.socket.write(out);
    if (this.closing) {
      if (this.ring.size === 0 && !this.socket.writableEnded) {
        // end() queues our FIN behind every reply still buffered: 'finish'
        // fires only once they are all in the kernel, however slowly the
        // client reads. Only then is a client that keeps its side open cut
        // off (the drain deadline bounds the wait before that).
        this.socket.end();
        this.socket.once("finish", onSocketFinish);
      }
      return;
    }
    if (this.paused === PAUSED_FOR_INDEX && this.socket.writableLength >= this.ctx.limits.maxWriteBuffer) {
      // The index has answered, but now the client is the one not reading.
      this.paused = PAUSED_FOR_CLIENT;
      if (this.ctx.debug) this.logPause();
    }
    this.maybeResume();
  }

  /** Our FIN is sent, after every reply: the client gets CLOSE_GRACE_MS to close its side. */
  finished(): void {
    if (!this.closed) this.graceTimer = setTimeout(destroySocket, CLOSE_GRACE_MS, this.socket).unref();
  }

  /** The socket can take more: reading may resume. */
  writable(): void {
    this.maybeResume();
  }

  /** A valid or malformed line of the chunk being framed (LineFramer calls it with this Connection as `this`). */
  private onLine(buf: Buffer, start: number, end: number): void {
    const ctx = this.ctx;
    this.lastLineAt = ctx.clock.now;
    const err = scanLine(buf, start, end, sharedShape);
    if (err !== 0) {
      ctx.stats.protocolErrors[err]++;
      ctx.reporter.malformed(PROTOCOL_ERROR_BY_CODE[err]!.id, this.remoteAddress);
      this.ring.push(REPLY_ERROR, this.readAt);
      return;
    }
    if (!this.identity.mayWrite && sharedShape.command !== CMD_QUERY) {
      // Refused before the dispatcher: the index never sees it.
      ctx.stats.denied[sharedShape.command]++;
      ctx.reporter.denied(COMMAND_NAMES[sharedShape.command], this.remoteAddress, this.identity.names);
      this.ring.push(REPLY_ERROR, this.readAt);
      return;
    }
    this.ring.push(ctx.dispatcher.dispatch(this, buf, start, end, sharedShape), this.readAt);
  }

  /** Bytes from the socket (its 'data' event). */
  onData(data: Buffer): void {
    if (this.closing) return;
    const ctx = this.ctx;
    this.readAt = performance.now();
    const status = this.framer.push(data, this.onLine, this);
    if (this.framer.pendingBytes === 0) this.partialSince = 0;
    else if (this.partialSince === 0) this.partialSince = ctx.clock.now;
    if (status !== FRAME_OK) {
      // Oversized line: answer ERROR after every earlier reply, then close,
      // so a client cannot make the server buffer without bound.
      ctx.stats.protocolErrors[E_LINE_TOO_LONG]++;
      ctx.reporter.report(REJECT_LINE_TOO_LONG, this.remoteAddress, "connection closed: request line longer than --max-line-bytes");
      this.ring.push(REPLY_ERROR, this.readAt);
      this.beginClosing();
      if (this.ring.readyCount > 0) this.flush();
      return;
    }
    // Write what is ready first, then judge what is still owed: replies the
    // chunk's own lines got at once are not owed once written, so a client
    // that pipelines a large chunk and reads its replies is not paused, and
    // a pause says why: the index has not answered yet, or the client does
    // not read (the kernel took no more and our buffer is full).
    if (this.ring.readyCount > 0) this.flush();
    if (this.paused !== READING) return;
    if (this.socket.writableLength >= ctx.limits.maxWriteBuffer) this.pause(PAUSED_FOR_CLIENT);
    else if (this.ring.size >= ctx.limits.maxPendingReplies) this.pause(PAUSED_FOR_INDEX);
  }

  private pause(why: number): void {
    const ctx = this.ctx;
    this.paused = why;
    this.socket.pause();
    ctx.reporter.report(REJECT_PENDING_CAP, this.remoteAddress, "reading paused: replies owed reached --max-pending-replies or --max-write-buffer");
    if (ctx.debug) this.logPause();
  }

  private logPause(): void {
    this.ctx.logger.debug(
      { client: this.remoteAddress, owed: this.ring.size, queuedBytes: this.socket.writableLength },
      this.paused === PAUSED_FOR_CLIENT ? "reading paused: client is not reading its replies" : "reading paused: replies wait for the index",
    );
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
    if (this.paused !== READING) {
      this.paused = READING;
      this.socket.resume();
    }
  }

  private maybeResume(): void {
    if (this.paused === READING || this.closing || this.closed) return;
    const limits = this.ctx.limits;
    if (this.ring.size * 2 <= limits.maxPendingReplies && this.socket.writableLength * 2 <= limits.maxWriteBuffer) {
      this.paused = READING;
      this.socket.resume();
      if (this.ctx.debug) this.ctx.logger.debug({ client: this.remoteAddress }, "reading resumed");
    }
  }

  /** The socket errored or closed: nothing more is read or written, and the server forgets it. */
  markClosed(): void {
    if (this.closed) return;
    // A pending timer would keep this connection (socket, buffers, ring) on
    // the heap past its close: under churn that is seconds' worth of
    // connections promoted to the old generation.
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.closed = true;
    this.ctx.stats.connectionsOpen--;
    this.socket.destroy();
    this.ctx.closed(this);
  }
}
