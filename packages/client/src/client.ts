import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { performance } from "node:perf_hooks";
import { backoffDelay } from "./backoff.ts";
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from "./client-options.ts";
import { describeSocketError } from "./describe-socket-error.ts";
import { PkgIndexClientError } from "./pkgindex-client-error.ts";
import { KIND_BOOLEAN, KIND_RAW, PendingQueue } from "./pending-queue.ts";
import { classifyReply, REPLY_FAIL, REPLY_INVALID, REPLY_NAMES, REPLY_OK } from "./reply-parser.ts";
import { checkRawLine, indexLine, queryLine, removeLine, showText } from "./request-lines.ts";

/** A reply as `send` returns it. */
export type Reply = "OK" | "FAIL" | "ERROR";

export interface ReconnectingEvent {
  /** Failed attempts so far in this round of connecting. */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** Why the last attempt failed. */
  error: Error;
}

export interface ClientEvents {
  /** A connection is established (first time or again). */
  connect: [];
  /** An established connection ended; requests sent on it and not answered were rejected. */
  close: [{ reason: string }];
  /** A connect attempt failed and another is scheduled. */
  reconnecting: [ReconnectingEvent];
}

/** What a client and a pool both offer. */
export interface PkgIndexClient {
  /** INDEX: true on OK (indexed, or its list replaced), false on FAIL (a dependency is missing, or a cycle). */
  index(name: string, deps?: readonly string[]): Promise<boolean>;
  /** REMOVE: true on OK (removed, or was not indexed), false on FAIL (another package depends on it). */
  remove(name: string): Promise<boolean>;
  /** QUERY: true when indexed. */
  query(name: string): Promise<boolean>;
  /** One raw request line (no terminator); resolves to the reply as it came, ERROR included. */
  send(line: string): Promise<Reply>;
  /** Connects now instead of at the first request; rejects as a request would. */
  connect(): Promise<void>;
  /** Refuses new requests, waits for the replies owed, then closes the connection(s). */
  close(): Promise<void>;
  /** Closes at once; requests not yet answered reject with PKGI_CLIENT_CLOSED. */
  destroy(): void;
  /** Requests issued and not yet settled. */
  readonly inFlight: number;
}

export function createClient(options: ClientOptions = {}): Client {
  return new Client(options);
}

/**
 * One connection to a pkgindex server. Requests are pipelined: each call
 * appends its line to the queue and every line issued in one event-loop
 * turn goes out in one write; replies come back in request order (the
 * protocol's guarantee), so the oldest pending promise owns the next reply.
 */
export class Client extends EventEmitter<ClientEvents> implements PkgIndexClient {
  readonly options: Readonly<ResolvedClientOptions>;
  /** host:port, as it appears in error messages. */
  readonly address: string;
  /** Lines written to a socket, over the client's life. */
  requestsSent = 0;

  #queue = new PendingQueue();
  /** How many of the oldest queued requests were written to the current socket. */
  #sent = 0;
  #socket: net.Socket | null = null;
  #connected = false;
  #connecting = false;
  /** Failed attempts in the current round of connecting. */
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #timeoutTimer: NodeJS.Timeout | null = null;
  #flushScheduled = false;
  /** Bytes of a reply split across socket chunks. */
  #carry: Buffer | null = null;
  #closing = false;
  #destroyed = false;
  #closePromise: Promise<void> | null = null;
  #closeResolve: (() => void) | null = null;
  #connectWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  // Bound once, so scheduling a flush, a timeout check or a retry allocates nothing.
  readonly #flushNow = (): void => this.#flush();
  readonly #checkTimeouts = (): void => this.#onTimeoutTimer();
  readonly #retryNow = (): void => this.#tryConnect();

  constructor(options: ClientOptions = {}) {
    super();
    this.options = Object.freeze(resolveClientOptions(options));
    this.address = this.options.host.includes(":") ? `[${this.options.host}]:${this.options.port}` : `${this.options.host}:${this.options.port}`;
  }

  get inFlight(): number {
    return this.#queue.size;
  }

  /** True while a connection is established. */
  get connected(): boolean {
    return this.#connected;
  }

  index(name: string, deps: readonly string[] = []): Promise<boolean> {
    let line: string;
    try {
      line = indexLine(name, deps);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(line, KIND_BOOLEAN) as Promise<boolean>;
  }

  remove(name: string): Promise<boolean> {
    let line: string;
    try {
      line = removeLine(name);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(line, KIND_BOOLEAN) as Promise<boolean>;
  }

  query(name: string): Promise<boolean> {
    let line: string;
    try {
      line = queryLine(name);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(line, KIND_BOOLEAN) as Promise<boolean>;
  }

  send(line: string): Promise<Reply> {
    try {
      checkRawLine(line);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(line, KIND_RAW) as Promise<Reply>;
  }

  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new PkgIndexClientError("PKGI_CLIENT_CLOSED", { request: "connect()" }));
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#connectWaiters.push({ resolve, reject });
      this.#startConnecting();
    });
  }

  close(): Promise<void> {
    if (this.#closePromise !== null) return this.#closePromise;
    this.#closing = true;
    this.#closePromise = new Promise((resolve) => (this.#closeResolve = resolve));
    this.#finishCloseIfIdle();
    return this.#closePromise;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closing = true;
    this.#closePromise ??= new Promise((resolve) => (this.#closeResolve = resolve));
    const q = this.#queue;
    while (q.size > 0) q.shift(undefined, new PkgIndexClientError("PKGI_CLIENT_CLOSED", { request: showText(q.lineAt(0)) }));
    this.#sent = 0;
    this.#finishCloseIfIdle();
  }

  #enqueue(line: string, kind: number): Promise<boolean | string> {
    if (this.#closing) return Promise.reject(new PkgIndexClientError("PKGI_CLIENT_CLOSED", { request: showText(line) }));
    const max = this.options.maxLineBytes;
    // Only a line that might be too long pays for counting its UTF-8 bytes.
    if (line.length * 3 > max && Buffer.byteLength(line) > max) {
      return Promise.reject(
        new PkgIndexClientError("PKGI_CLIENT_INVALID_REQUEST", {
          reason: `${showText(line)} is ${Buffer.byteLength(line)} bytes, over maxLineBytes (${max}): the server would answer ERROR and close the connection`,
        }),
      );
    }
    const timeoutMs = this.options.timeoutMs;
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
    const q = this.#queue;
    const promise = new Promise<boolean | string>((resolve, reject) => q.push(line, kind, deadline, resolve, reject));
    if (this.#connected) {
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(this.#flushNow);
      }
    } else {
      this.#startConnecting();
    }
    if (this.#timeoutTimer === null && timeoutMs > 0) this.#armTimeout();
    return promise;
  }

  /** Writes every queued line not yet written, in one write. */
  #flush(): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    const q = this.#queue;
    if (!this.#connected || socket === null || this.#sent === q.size) return;
    let text = "";
    for (let i = this.#sent; i < q.size; i++) text += q.lineAt(i) + "\n";
    this.requestsSent += q.size - this.#sent;
    this.#sent = q.size;
    socket.write(text);
  }

  #onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.#carry !== null) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = null;
    }
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) !== -1) {
      const code = classifyReply(buf, start, nl);
      if (code === REPLY_INVALID || this.#sent === 0) {
        this.#badReply(buf.toString("latin1", start, nl));
        return;
      }
      this.#settleHead(code);
      start = nl + 1;
    }
    if (start < buf.length) {
      // The longest reply is ERROR\r: more without a newline is not a reply.
      if (buf.length - start > 6) {
        this.#badReply(buf.toString("latin1", start, buf.length));
        return;
      }
      this.#carry = Buffer.from(buf.subarray(start));
    }
    if (this.#queue.size === 0) {
      this.#clearTimeout();
      this.#finishCloseIfIdle();
    }
  }

  #settleHead(code: number): void {
    const q = this.#queue;
    this.#sent--;
    if (q.headKind === KIND_RAW) q.shift(REPLY_NAMES[code]);
    else if (code === REPLY_OK) q.shift(true);
    else if (code === REPLY_FAIL) q.shift(false);
    else q.shift(undefined, new PkgIndexClientError("PKGI_CLIENT_PROTOCOL_ERROR", { address: this.address, request: showText(q.lineAt(0)) }));
  }

  /** The server broke the reply format: nothing later on this connection can be trusted. */
  #badReply(reply: string): void {
    const q = this.#queue;
    const error =
      this.#sent > 0
        ? new PkgIndexClientError("PKGI_CLIENT_BAD_REPLY", { address: this.address, reply: showText(reply) })
        : undefined;
    this.#dropSocket(`the server sent ${showText(reply)}, which is not a reply`, error);
    if (q.size === 0) this.#clearTimeout();
    this.#afterDisconnect();
  }

  /**
   * Ends the current connection: `headError` (if given) for the oldest sent
   * request, PKGI_CLIENT_CONNECTION_CLOSED for the other sent ones. They are
   * never re-sent: the server may have applied them. Requests not yet
   * written stay queued for the next connection.
   */
  #dropSocket(reason: string, headError?: PkgIndexClientError): void {
    const socket = this.#socket;
    const wasConnected = this.#connected;
    this.#socket = null;
    this.#connected = false;
    this.#carry = null;
    socket?.destroy();
    const q = this.#queue;
    if (headError !== undefined && this.#sent > 0) {
      this.#sent--;
      q.shift(undefined, headError);
    }
    while (this.#sent > 0) {
      this.#sent--;
      q.shift(undefined, new PkgIndexClientError("PKGI_CLIENT_CONNECTION_CLOSED", { address: this.address, request: showText(q.lineAt(0)), reason }));
    }
    if (wasConnected) this.emit("close", { reason });
  }

  /** After a connection ended: connect again for the requests still queued, or finish a close. */
  #afterDisconnect(): void {
    // A closing client still delivers what was issued before close().
    if (this.#queue.size > 0) this.#startConnecting();
    else this.#finishCloseIfIdle();
  }

  #startConnecting(): void {
    if (this.#connecting || this.#connected || this.#destroyed) return;
    this.#connecting = true;
    this.#attempt = 0;
    this.#tryConnect();
  }

  #tryConnect(): void {
    this.#retryTimer = null;
    const { host, port, connectTimeoutMs, tls: secure } = this.options;
    const socket = secure === null ? net.connect({ host, port, noDelay: true }) : tls.connect({ ...secure, host, port }).setNoDelay(true);
    this.#socket = socket;
    let lastError: Error | null = null;
    let established = false;
    const connectTimer = setTimeout(() => socket.destroy(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    socket.once(secure === null ? "connect" : "secureConnect", () => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      established = true;
      this.#onConnected();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.#socket === socket) this.#onData(chunk);
    });
    socket.on("error", (err) => (lastError = err));
    socket.once("close", () => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return; // already dropped on purpose
      if (!established) {
        this.#socket = null;
        this.#onConnectFailed(lastError ?? new Error("the connection closed while connecting"));
        return;
      }
      this.#dropSocket(lastError === null ? "the server closed the connection" : describeSocketError(lastError));
      this.#afterDisconnect();
    });
  }

  #onConnected(): void {
    this.#connecting = false;
    this.#connected = true;
    this.#attempt = 0;
    this.emit("connect");
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const w of waiters) w.resolve();
    this.#flush();
    this.#finishCloseIfIdle();
  }

  #onConnectFailed(error: Error): void {
    this.#attempt++;
    if (this.#destroyed) {
      this.#connecting = false;
      this.#finishCloseIfIdle();
      return;
    }
    const waiting = this.#queue.size > 0 || this.#connectWaiters.length > 0;
    if (waiting && this.#attempt <= this.options.retries) {
      const delayMs = backoffDelay(this.#attempt, this.options.minDelayMs, this.options.maxDelayMs);
      this.emit("reconnecting", { attempt: this.#attempt, delayMs, error });
      this.#retryTimer = setTimeout(this.#retryNow, delayMs);
      return;
    }
    this.#connecting = false;
    const attempts = this.#attempt;
    this.#attempt = 0;
    if (!waiting) return;
    // Nothing queued was written (there was no connection), so each request
    // is known not to have reached the server.
    const failure = new PkgIndexClientError(
      "PKGI_CLIENT_CONNECT_FAILED",
      { address: this.address, attempts, reason: describeSocketError(error) },
      { cause: error },
    );
    const q = this.#queue;
    while (q.size > 0) q.shift(undefined, failure);
    this.#clearTimeout();
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const w of waiters) w.reject(failure);
    this.#finishCloseIfIdle();
  }

  #armTimeout(): void {
    const wait = Math.max(0, this.#queue.headDeadline - performance.now());
    this.#timeoutTimer = setTimeout(this.#checkTimeouts, wait);
  }

  #clearTimeout(): void {
    if (this.#timeoutTimer !== null) {
      clearTimeout(this.#timeoutTimer);
      this.#timeoutTimer = null;
    }
  }

  /**
   * One timer per client, set for the oldest request's deadline: with one
   * timeout for all requests, deadlines are in queue order, so the oldest is
   * always the first to expire.
   */
  #onTimeoutTimer(): void {
    this.#timeoutTimer = null;
    const q = this.#queue;
    // Timers may fire a fraction of a millisecond before performance.now()
    // reaches the deadline; a request that close is due.
    const now = performance.now() + 1;
    if (q.size === 0 || q.headDeadline > now) {
      if (q.size > 0) this.#armTimeout();
      return;
    }
    const timeoutMs = this.options.timeoutMs;
    if (this.#sent > 0) {
      // The server owes the oldest reply and has not sent it. Every later
      // reply on this connection queues behind it, so the connection is
      // given up; the requests sent after it are rejected as closed.
      const error = new PkgIndexClientError("PKGI_CLIENT_TIMEOUT", { address: this.address, request: showText(q.lineAt(0)), timeoutMs });
      this.#dropSocket(`the reply to an earlier request took over ${timeoutMs} ms`, error);
    }
    // Requests still waiting for a connection expire where they wait.
    while (q.size > 0 && q.headDeadline <= now) {
      q.shift(undefined, new PkgIndexClientError("PKGI_CLIENT_TIMEOUT", { address: this.address, request: showText(q.lineAt(0)), timeoutMs }));
    }
    if (q.size > 0) this.#armTimeout();
    if (!this.#connected) this.#afterDisconnect();
  }

  #finishCloseIfIdle(): void {
    if (!this.#closing || this.#queue.size > 0 || this.#closeResolve === null) return;
    const resolve = this.#closeResolve;
    this.#closeResolve = null;
    this.#clearTimeout();
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    this.#connecting = false;
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const w of waiters) w.reject(new PkgIndexClientError("PKGI_CLIENT_CLOSED", { request: "connect()" }));
    const socket = this.#socket;
    const wasConnected = this.#connected;
    this.#socket = null;
    this.#connected = false;
    if (socket === null || socket.destroyed) {
      resolve();
      return;
    }
    // Nothing is owed, so nothing is lost by destroying rather than ending.
    socket.once("close", () => resolve());
    socket.destroy();
    if (wasConnected) this.emit("close", { reason: "closed by the client" });
  }
}
