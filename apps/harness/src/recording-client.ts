import type net from "node:net";
import { ConnectError, connect, type Endpoint } from "./connection.ts";
import { type HistoryOp, requestLine } from "./history.ts";

export interface RecordingClientOptions {
  /** A reply slower than this drops the connection: its operations become unanswered. */
  timeoutMs: number;
  /** How long to keep retrying a (re)connect before giving up with a ConnectError. */
  reconnectMs: number;
  /** Called whenever an operation is settled: answered, or unanswered for good. */
  onSettle: (op: HistoryOp) => void;
}

interface Pending {
  op: HistoryOp;
  settle: () => void;
}

/**
 * One client of a checked run: a single connection at a time to one
 * endpoint. It stamps each operation with the monotonic clock just before
 * the write and just after the reply is read, so the recorded interval
 * holds the real one (a wider interval can only forgive, never accuse).
 * When the connection drops or a reply times out, everything in flight
 * stays unanswered (it may or may not have taken effect) and the next
 * operation reconnects.
 */
export class RecordingClient {
  readonly id: number;
  readonly endpoint: Endpoint;
  private readonly options: RecordingClientOptions;
  private socket: net.Socket | null = null;
  private pending: Pending[] = [];
  private partial = "";
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  reconnects = 0;
  drops = 0;
  timeouts = 0;
  disconnects = 0;
  /** Replies that break the protocol itself (not OK/FAIL/ERROR, a reply to nothing): each is a violation on its own. */
  readonly protocolErrors: string[] = [];
  private opened = false;
  private connection = 0;

  constructor(id: number, endpoint: Endpoint, options: RecordingClientOptions) {
    this.id = id;
    this.endpoint = endpoint;
    this.options = options;
  }

  get inFlight(): number {
    return this.pending.length;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  /** Connects, retrying refused connections (a server restarting) for up to reconnectMs. */
  async connect(): Promise<void> {
    const deadline = performance.now() + this.options.reconnectMs;
    let delay = 5;
    for (;;) {
      try {
        this.attach(await connect(this.endpoint));
        if (this.opened) this.reconnects++;
        this.opened = true;
        return;
      } catch (err) {
        if (!(err instanceof ConnectError) || performance.now() + delay > deadline) throw err;
      }
      // Back off between attempts (a client's retry policy, not a wait for some event).
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
    }
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.connection++;
    this.partial = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      if (socket === this.socket) this.onData(chunk);
    });
    const lost = (): void => {
      if (socket === this.socket) this.drop();
    };
    socket.on("error", lost);
    socket.on("close", lost);
  }

  /** Writes the operations as one burst (one write) and resolves each one's promise when it is settled. */
  send(ops: readonly HistoryOp[]): Promise<void>[] {
    const socket = this.socket;
    if (socket === null) throw new Error("RecordingClient.send before connect");
    const settled = ops.map((op) => new Promise<void>((settle) => this.pending.push({ op, settle })));
    const text = ops.map((op) => `${requestLine(op)}\n`).join("");
    const now = performance.now();
    for (const op of ops) {
      op.invoke = now;
      op.connection = this.connection;
    }
    if (this.timer === null) this.armTimer();
    socket.write(text, "latin1");
    return settled;
  }

  /** Resolves once fewer than `limit` operations are in flight. */
  whenBelow(limit: number): Promise<void> {
    if (this.pending.length < limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private onData(chunk: string): void {
    const text = this.partial + chunk;
    let at = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", at)) {
      const reply = text.slice(at, nl);
      at = nl + 1;
      const head = this.pending.shift();
      if (head === undefined) {
        this.protocolErrors.push(`client ${this.id}: reply ${JSON.stringify(reply)} to no request (more replies than requests)`);
        this.drop();
        return;
      }
      head.op.respond = performance.now();
      // Anything but OK or FAIL is kept as is: no state of the spec answers it, so the checker will not explain it.
      head.op.reply = reply;
      this.settle(head);
    }
    this.partial = text.slice(at);
    if (this.partial.length > 64) {
      this.protocolErrors.push(`client ${this.id}: reply is not OK, FAIL or ERROR: ${JSON.stringify(this.partial.slice(0, 80))}`);
      this.drop();
      return;
    }
    this.armTimer();
  }

  private settle(p: Pending): void {
    this.options.onSettle(p.op);
    p.settle();
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  private armTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const waited = performance.now() - this.pending[0].op.invoke;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timeouts++;
      this.drop();
    }, Math.max(0, this.options.timeoutMs - waited));
  }

  /** The connection is gone: whatever was in flight stays unanswered. */
  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = [];
    if (pending.length > 0) this.drops++;
    for (const p of pending) {
      p.op.respond = null;
      p.op.reply = null;
      this.settle(p);
    }
  }

  /**
   * A client dying mid-request: writes `fragment` (a request without its
   * newline) and closes, with FIN or RST, with nothing in flight. A line
   * without its newline is no request: it must never take effect (it is
   * not in the history, so if it did, the checker sees an unexplained
   * change), and any reply to it is a protocol error.
   */
  disconnectMidLine(fragment: string, reset: boolean): void {
    const old = this.socket;
    if (old === null || this.pending.length > 0) throw new Error("disconnectMidLine needs an idle connection");
    this.socket = null;
    this.disconnects++;
    old.removeAllListeners("data");
    old.on("data", (chunk: string) => {
      this.protocolErrors.push(`client ${this.id}: the server replied ${JSON.stringify(chunk.trimEnd())} to ${JSON.stringify(fragment)}, a line cut off by a disconnect`);
    });
    if (reset) old.write(fragment, "latin1", () => old.resetAndDestroy());
    else old.end(fragment, "latin1");
  }

  close(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.end();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
