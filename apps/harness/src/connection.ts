import net from "node:net";
import tls from "node:tls";

export const REPLY_OK = 0;
export const REPLY_FAIL = 1;
export const REPLY_ERROR = 2;
export const REPLY_NAMES: readonly string[] = ["OK", "FAIL", "ERROR"];

/** Called once per reply, in request order, with what was recorded at send time. */
export type ReplyHandler = (op: number, pkg: number, line: string, code: number) => void;
/** Called once when the connection stops working: the server broke the protocol or the connection. */
export type BrokenHandler = (message: string, line: string | null, reply: string | null) => void;

export interface Endpoint {
  host: string;
  port: number;
  /** Connect over TLS with these options (CA, client certificate, servername); plain TCP when absent. */
  tls?: tls.ConnectionOptions;
}

export class ConnectError extends Error {
  override name = "ConnectError";
}

/** Opens a TCP (or, with `endpoint.tls`, TLS) connection with Nagle off; rejects with a one-line ConnectError. */
export function connect(endpoint: Endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const secure = endpoint.tls !== undefined;
    const socket = secure
      ? tls.connect({ ...endpoint.tls, host: endpoint.host, port: endpoint.port }).setNoDelay(true)
      : net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.destroy();
      reject(new ConnectError(`cannot connect to ${endpoint.host}:${endpoint.port}: ${err.code ?? err.message}`));
    };
    socket.once("error", onError);
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

/**
 * One harness client connection: writes request lines, matches each reply to
 * its request in FIFO order and insists on the contract's reply format
 * (exactly `OK\n`, `FAIL\n` or `ERROR\n`, never a reply nobody asked for).
 */
export class HarnessConnection {
  readonly endpoint: Endpoint;
  private socket: net.Socket | null = null;
  private readonly ops: number[] = [];
  private readonly pkgs: number[] = [];
  private readonly lines: string[] = [];
  private head = 0;
  private partial = "";
  private waiters: (() => void)[] = [];
  private waitBelow = 0;
  private closing = false;
  broken = false;
  /** performance.now() of the last send into an empty queue or the last reply. */
  lastActivity = 0;
  onReply: ReplyHandler = () => {};
  onBroken: BrokenHandler = () => {};

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
  }

  get inFlight(): number {
    return this.ops.length - this.head;
  }

  /** The oldest request still waiting for its reply. */
  get oldestLine(): string | null {
    return this.inFlight > 0 ? this.lines[this.head] : null;
  }

  async open(): Promise<void> {
    const socket = await connect(this.endpoint);
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.closing = false;
    this.partial = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (socket === this.socket && !this.closing) this.fail(`connection error: ${err.code ?? err.message}`, this.oldestLine, null);
    });
    socket.on("close", () => {
      if (socket === this.socket && !this.closing) {
        const pending = this.inFlight;
        this.fail(
          pending > 0 ? `the server closed the connection with ${pending} request(s) unanswered` : "the server closed the connection",
          this.oldestLine,
          null,
        );
      }
    });
  }

  /** Writes one request line (newline added) and records what to check its reply against. */
  send(line: string, op: number, pkg: number): void {
    if (this.broken || this.socket === null) return;
    if (this.inFlight === 0) this.lastActivity = performance.now();
    this.ops.push(op);
    this.pkgs.push(pkg);
    this.lines.push(line);
    // utf8: a malformed line may carry non-ASCII bytes on purpose.
    this.socket.write(line + "\n", "utf8");
  }

  /** Resolves once fewer than `limit` requests are in flight (at once if already so). */
  whenBelow(limit: number): Promise<void> {
    if (this.inFlight < limit || this.broken) return Promise.resolve();
    this.waitBelow = limit;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Simulates a client that dies mid-request: writes the first `cut` bytes of
   * `line` (never its newline), then closes — politely (FIN) or abruptly
   * (RST) — and opens a fresh connection. A line without its newline is not
   * a request, so the server must neither apply nor answer it: any byte the
   * server sends back on the old connection is a violation. Call only with
   * nothing in flight.
   */
  async reconnectMidLine(line: string, cut: number, reset: boolean): Promise<void> {
    const old = this.socket;
    if (old === null || this.broken) return;
    this.closing = true;
    old.removeAllListeners("data");
    old.removeAllListeners("close");
    old.removeAllListeners("error");
    old.on("error", () => {});
    if (reset) {
      old.write(line.slice(0, cut), "utf8", () => old.resetAndDestroy());
    } else {
      old.on("data", (chunk: string) => {
        if (!this.broken) this.fail("the server replied to a line cut off by a disconnect", line.slice(0, cut), chunk.trimEnd());
      });
      old.end(line.slice(0, cut), "utf8");
    }
    this.socket = null;
    let socket: net.Socket;
    try {
      socket = await connect(this.endpoint);
    } catch (err) {
      this.fail((err as Error).message, null, null);
      return;
    }
    if (this.broken) {
      socket.destroy();
      return;
    }
    this.attach(socket);
  }

  private onData(chunk: string): void {
    if (this.broken) return;
    let text = this.partial + chunk;
    let at = 0;
    for (;;) {
      const nl = text.indexOf("\n", at);
      if (nl === -1) break;
      const reply = text.slice(at, nl);
      at = nl + 1;
      const code = reply === "OK" ? REPLY_OK : reply === "FAIL" ? REPLY_FAIL : reply === "ERROR" ? REPLY_ERROR : -1;
      if (code === -1) {
        this.fail("reply is not OK, FAIL or ERROR", this.oldestLine, JSON.stringify(reply.slice(0, 80)));
        return;
      }
      if (this.inFlight === 0) {
        this.fail("reply to no request (more replies than requests)", null, reply);
        return;
      }
      const i = this.head++;
      const op = this.ops[i];
      const pkg = this.pkgs[i];
      const line = this.lines[i];
      this.lastActivity = performance.now();
      this.onReply(op, pkg, line, code);
      if (this.broken) return;
    }
    text = text.slice(at);
    if (text.length > 16) {
      this.fail("reply is not OK, FAIL or ERROR", this.oldestLine, JSON.stringify(text.slice(0, 80)));
      return;
    }
    this.partial = text;
    if (this.head > 1024 && this.head * 2 > this.ops.length) this.compact();
    if (this.waiters.length > 0 && this.inFlight < this.waitBelow) this.wake();
  }

  private compact(): void {
    this.ops.splice(0, this.head);
    this.pkgs.splice(0, this.head);
    this.lines.splice(0, this.head);
    this.head = 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private fail(message: string, line: string | null, reply: string | null): void {
    if (this.broken) return;
    this.broken = true;
    this.onBroken(message, line, reply);
    this.close();
  }

  /** Closes the connection and releases anyone waiting on it. */
  close(): void {
    this.closing = true;
    this.broken = true;
    this.socket?.destroy();
    this.wake();
  }

  /** Closes after the last reply: the normal end of a run. */
  finish(): void {
    this.closing = true;
    this.socket?.end();
    this.socket = null;
  }
}
