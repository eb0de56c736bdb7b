import net from "node:net";
import tls from "node:tls";

/**
 * A protocol client for tests: sends raw bytes, collects reply lines, and
 * resolves waits by reply count, never by time.
 */
export class LineClient {
  readonly socket: net.Socket;
  readonly replies: string[] = [];
  closed = false;
  private carry = "";
  private waiters: { count: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      const parts = (this.carry + text).split("\n");
      this.carry = parts.pop()!;
      for (const p of parts) this.replies.push(p);
      this.settle();
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters) w.reject(new Error(`connection closed after ${this.replies.length} replies (waiting for ${w.count})`));
      this.waiters = [];
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new LineClient(socket)));
      socket.once("error", reject);
    });
  }

  /**
   * A TLS connection; resolves once the handshake is done, rejects when it
   * fails or the server closes the connection before the first reply could
   * come (TLS 1.3 reports a refused client certificate only after the
   * client's side of the handshake is done: `tls.connect`'s callback runs,
   * then the alert arrives).
   */
  static connectTls(port: number, options: tls.ConnectionOptions = {}, host = "127.0.0.1"): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, servername: "localhost", ...options }, () => resolve(new LineClient(socket)));
      socket.once("error", reject);
      socket.once("close", () => reject(new Error("closed during the handshake")));
    });
  }

  /** Partial bytes received after the last newline. */
  get partial(): string {
    return this.carry;
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Resolves once `count` replies in total have arrived. */
  waitForReplies(count: number): Promise<void> {
    if (this.replies.length >= count) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`connection closed after ${this.replies.length} replies (waiting for ${count})`));
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  /** Sends one line and returns its reply. */
  async send(line: string): Promise<string> {
    const want = this.replies.length + 1;
    this.write(line + "\n");
    await this.waitForReplies(want);
    return this.replies[want - 1];
  }

  /** Sends lines pipelined in one write; returns their replies in order. */
  async pipeline(lines: string[]): Promise<string[]> {
    const from = this.replies.length;
    this.write(lines.map((l) => l + "\n").join(""));
    await this.waitForReplies(from + lines.length);
    return this.replies.slice(from, from + lines.length);
  }

  /** Resolves when the server has closed the connection. */
  waitForClose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.replies.length >= w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}
