import net from "node:net";
import type tls from "node:tls";
import { AddressRanges, WriterRules } from "@pkgindex/access";
import {
  REJECT_DRAIN_TIMEOUT,
  REJECT_LINE_TIMEOUT,
  REJECT_MAX_CONNECTIONS,
  REJECT_PROXY_UNTRUSTED,
  REJECT_TLS_HANDSHAKE,
  REJECT_TLS_HANDSHAKE_TIMEOUT,
  type CommandStats,
  type RejectReason,
} from "@pkgindex/metrics";
import type { ProxyInfo } from "@pkgindex/proxy-protocol";
import { createHandshakeServer, peerNames, secureContextOptions, type ServerTlsMaterial } from "@pkgindex/tls";
import { Connection, type CommandDispatcher, type ConnectionContext } from "./connection.ts";
import { LimitReporter } from "./limit-reporter.ts";
import { listen } from "./listen.ts";
import type { Logger } from "./logger.ts";
import { readProxyHeader } from "./proxy-stage.ts";
import type { ListenPorts, ServerConfig } from "./server-config.ts";

/** A socket accepted on the TLS port, between its PROXY header (if any) and the end of its handshake. */
interface Handshake {
  raw: net.Socket;
  /** For logs: the PROXY header's client, else the peer. */
  client: string;
  /** The PROXY header's client, if any. */
  proxied: string | null;
  source: string | undefined;
}

/** Identifies one TCP connection on both its raw socket and the TLSSocket over it. */
function tupleKey(s: net.Socket): string {
  return `${s.remoteAddress}|${s.remotePort}|${s.localAddress}|${s.localPort}`;
}

/**
 * The accepting side shared by the single thread and every I/O worker: the
 * plain and the TLS listener, the PROXY header, the TLS handshake (here, in
 * the thread that owns the socket: each I/O worker has its own secure
 * context), who may write, --max-connections (across all workers, through
 * one shared counter, handshakes in progress included), the idle and line
 * timeouts, and the drain.
 */
export class ConnectionServer {
  readonly connections = new Set<Connection>();
  private readonly plain: net.Server | null;
  private readonly secure: net.Server | null;
  /** Never listens: does the handshakes of sockets the TLS listener accepted. */
  private readonly handshakes: tls.Server | null;
  private readonly inHandshake = new Map<string, Handshake>();
  /** Accepted sockets with no Connection yet (PROXY header or handshake pending): destroyed at drain. */
  private readonly pending = new Set<net.Socket>();
  private readonly config: ServerConfig;
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private readonly limits: LimitReporter;
  private readonly context: ConnectionContext;
  private readonly writers: WriterRules;
  private readonly proxyTrusted: AddressRanges | null;
  /** Open connections of the whole process: [0], shared between threads. */
  private readonly openCount: Int32Array;
  private draining = false;
  private drained: (() => void) | null = null;
  private readonly clock = { now: performance.now() };
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    config: ServerConfig,
    dispatcher: CommandDispatcher,
    stats: CommandStats,
    logger: Logger,
    openCount: Int32Array,
    tlsMaterial: ServerTlsMaterial | null,
  ) {
    this.config = config;
    this.stats = stats;
    this.logger = logger;
    this.limits = new LimitReporter(stats, logger);
    this.openCount = openCount;
    this.context = {
      limits: config,
      dispatcher,
      stats,
      logger,
      reporter: this.limits,
      clock: this.clock,
      debug: logger.isLevelEnabled("debug"),
      closed: (conn) => this.forget(conn),
    };
    this.writers = new WriterRules(config.writers);
    this.proxyTrusted = config.proxyTrusted.length > 0 ? new AddressRanges(config.proxyTrusted) : null;
    // Half-open: a client that sends its lines and then FIN still gets every
    // reply (Connection ends our side after the last one).
    this.plain = config.plainListener ? net.createServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s, false)) : null;
    this.secure = config.tlsPort !== null ? net.createServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s, true)) : null;
    if (config.tls !== null && tlsMaterial !== null) {
      const handshakes = createHandshakeServer(tlsMaterial, config.tls.clientAuth, config.tls.handshakeTimeoutMs);
      handshakes.on("secureConnection", (socket: tls.TLSSocket) => this.secured(socket));
      handshakes.on("tlsClientError", (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => this.handshakeFailed(err, socket));
      this.handshakes = handshakes;
    } else {
      this.handshakes = null;
    }
  }

  /** Binds the listeners the config asks for (port 0: any free one); returns the ports bound. */
  async listen(ports: ListenPorts, reusePort: boolean): Promise<ListenPorts> {
    const plain = this.plain !== null && ports.plain !== null ? await listen(this.plain, this.config.host, ports.plain, reusePort) : null;
    const secure = this.secure !== null && ports.tls !== null ? await listen(this.secure, this.config.host, ports.tls, reusePort) : null;
    this.startSweep();
    return { plain, tls: secure };
  }

  /** New handshakes use this certificate, key and CA; connections already open keep theirs. */
  reloadTls(material: ServerTlsMaterial): void {
    this.handshakes?.setSecureContext(secureContextOptions(material));
  }

  private accept(raw: net.Socket, secure: boolean): void {
    const peer = `${raw.remoteAddress}:${raw.remotePort}`;
    if (this.draining) {
      raw.destroy();
      return;
    }
    const max = this.config.maxConnections;
    if (max > 0 && Atomics.add(this.openCount, 0, 1) >= max) {
      Atomics.sub(this.openCount, 0, 1);
      this.limits.report(REJECT_MAX_CONNECTIONS, peer, "connection refused: --max-connections reached");
      raw.destroy();
      return;
    }
    if (max <= 0) Atomics.add(this.openCount, 0, 1);
    this.stats.connectionsAccepted++;
    this.pending.add(raw);
    const key = secure ? tupleKey(raw) : "";
    // A vanished client is normal; 'close' follows and does the accounting.
    raw.on("error", () => undefined);
    raw.once("close", () => {
      Atomics.sub(this.openCount, 0, 1);
      this.pending.delete(raw);
      if (secure) this.inHandshake.delete(key);
    });
    if (this.config.proxyProtocol === "off") {
      this.afterProxy(raw, secure, key, peer, undefined);
      return;
    }
    // Only a trusted balancer may speak for the client: anyone else could
    // claim a writer's address (or a certificate name) in a header.
    if (this.proxyTrusted !== null && !this.proxyTrusted.contains(raw.remoteAddress)) {
      this.limits.report(REJECT_PROXY_UNTRUSTED, peer, "connection refused: PROXY header expected from a peer outside --proxy-trusted");
      raw.destroy();
      return;
    }
    readProxyHeader(raw, this.config.proxyProtocol, this.config.proxyHeaderTimeoutMs, this.limits, peer, (info) =>
      this.afterProxy(raw, secure, key, peer, info),
    );
  }

  private afterProxy(raw: net.Socket, secure: boolean, key: string, peer: string, info: ProxyInfo | undefined): void {
    // LOCAL (a load balancer's own health check) and UNKNOWN carry no
    // client address: the peer's stays.
    const proxied = info !== undefined && !info.local && info.sourceAddress !== undefined;
    const client = proxied ? `${info.sourceAddress}:${info.sourcePort}` : null;
    const source = proxied ? info.sourceAddress : raw.remoteAddress;
    if (!secure) {
      this.pending.delete(raw);
      this.open(raw, client, source, this.proxiedNames(info));
      return;
    }
    this.inHandshake.set(key, { raw, client: client ?? peer, proxied: client, source });
    // A FIN before the handshake is done (a cut-off ClientHello) ends the
    // connection at once; half-close is allowed again once it is secure.
    raw.allowHalfOpen = false;
    this.handshakes!.emit("connection", raw);
  }

  /**
   * Certificate names a TLS-terminating balancer vouches for (PROXY v2
   * PP2_TYPE_SSL): only from a --proxy-trusted peer, only for a certificate
   * it verified.
   */
  private proxiedNames(info: ProxyInfo | undefined): string[] {
    const ssl = info?.ssl;
    if (this.proxyTrusted === null || ssl === undefined || !ssl.clientCertificate || !ssl.verified || ssl.cn === undefined) return [];
    return [ssl.cn];
  }

  private secured(socket: tls.TLSSocket): void {
    const key = tupleKey(socket);
    const handshake = this.inHandshake.get(key);
    if (handshake === undefined || this.draining) {
      socket.destroy();
      return;
    }
    this.inHandshake.delete(key);
    this.pending.delete(handshake.raw);
    socket.allowHalfOpen = true;
    this.open(socket, handshake.proxied, handshake.source, peerNames(socket));
  }

  private handshakeFailed(err: NodeJS.ErrnoException, socket: tls.TLSSocket): void {
    const client = this.inHandshake.get(tupleKey(socket))?.client ?? `${socket.remoteAddress}:${socket.remotePort}`;
    if (err.code === "ERR_TLS_HANDSHAKE_TIMEOUT") {
      this.limits.report(REJECT_TLS_HANDSHAKE_TIMEOUT, client, "connection closed: TLS handshake not finished within --tls-handshake-timeout");
    } else {
      this.limits.report(REJECT_TLS_HANDSHAKE, client, `connection closed: TLS handshake failed (${err.code ?? err.message})`);
    }
    // tls.Server leaves a failed handshake's socket open: ours to close.
    socket.destroy();
  }

  /** `proxied`: the PROXY header's client (null: the peer); `source`: the address --writers rules see. */
  private open(socket: net.Socket, proxied: string | null, source: string | undefined, names: readonly string[]): void {
    const mayWrite = this.writers.allows(names, source);
    this.stats.connectionsOpen++;
    const conn = new Connection(socket, this.context, { proxied, names, mayWrite });
    this.connections.add(conn);
    if (this.context.debug) {
      this.logger.debug(
        {
          client: conn.remoteAddress,
          identity: names.length > 0 ? names : undefined,
          tls: (socket as tls.TLSSocket).encrypted === true ? (socket as tls.TLSSocket).getProtocol() : undefined,
          mayWrite,
          open: this.stats.connectionsOpen,
        },
        "connection opened",
      );
    }
  }

  /** A connection's socket closed (once per connection); the raw socket's close does the --max-connections accounting. */
  private forget(conn: Connection): void {
    this.connections.delete(conn);
    if (this.context.debug) this.logger.debug({ client: conn.remoteAddress, open: this.stats.connectionsOpen }, "connection closed");
    if (this.draining && this.connections.size === 0) this.drained?.();
  }

  private closeListeners(): void {
    this.draining = true;
    this.plain?.close();
    this.secure?.close();
    // Nothing is owed to a socket that has not finished its header or handshake.
    for (const raw of this.pending) raw.destroy();
  }

  /**
   * Stops accepting, stops reading, and closes each connection once every
   * reply it is owed has been written and read by the kernel. Resolves when
   * all are closed, or at `deadlineMs` (from now) by cutting off the rest:
   * it resolves with how many connections were still owed replies then.
   */
  drain(deadlineMs: number): Promise<number> {
    this.closeListeners();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drained = null;
        resolve(this.cutOff());
      }, deadlineMs);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = null;
        this.stopSweep();
        resolve(0);
      };
      for (const conn of this.connections) conn.drain();
      if (this.connections.size === 0) this.drained();
    });
  }

  /** Closes every connection at once; returns how many were still owed replies. */
  cutOff(): number {
    this.closeListeners();
    this.stopSweep();
    let owed = 0;
    for (const conn of this.connections) {
      if (conn.owesReplies) {
        owed++;
        this.limits.report(REJECT_DRAIN_TIMEOUT, conn.remoteAddress, "connection cut off with replies owed: drain deadline passed");
      }
      conn.closeNow();
    }
    return owed;
  }

  /**
   * One timer for all connections instead of one per socket: it advances
   * the coarse clock and closes connections past --idle-timeout or
   * --line-timeout. Checked at a quarter of the shorter limit (at most
   * once a second), so a limit acts within 25% of its value.
   */
  private startSweep(): void {
    const idle = this.config.idleTimeoutMs;
    const line = this.config.lineTimeoutMs;
    const shortest = Math.min(idle > 0 ? idle : Infinity, line > 0 ? line : Infinity);
    if (shortest === Infinity) return;
    const every = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
    this.sweepTimer = setInterval(() => {
      const now = performance.now();
      this.clock.now = now;
      for (const conn of this.connections) {
        const why = conn.expired(now, idle, line);
        if (why === -1) continue;
        this.limits.report(
          why as RejectReason,
          conn.remoteAddress,
          why === REJECT_LINE_TIMEOUT
            ? "connection closed: a request line was not finished within --line-timeout"
            : "connection closed: idle longer than --idle-timeout",
        );
        conn.closeNow();
      }
    }, every);
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }
}
