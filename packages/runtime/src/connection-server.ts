import net from "node:net";
import { REJECT_DRAIN_TIMEOUT, REJECT_LINE_TIMEOUT, REJECT_MAX_CONNECTIONS, type CommandStats, type RejectReason } from "@pkgindex/metrics";
import { Connection, type CommandDispatcher, type ConnectionContext } from "./connection.ts";
import { LimitReporter } from "./limit-reporter.ts";
import { listen } from "./listen.ts";
import type { Logger } from "./logger.ts";
import type { ServerConfig } from "./server-config.ts";

/**
 * The accepting side shared by the single thread and every I/O worker:
 * creates a Connection per socket, enforces --max-connections (across all
 * workers, through one shared counter) and --idle-timeout, and drains.
 */
export class ConnectionServer {
  readonly connections = new Set<Connection>();
  private readonly server: net.Server;
  private readonly config: ServerConfig;
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private readonly limits: LimitReporter;
  private readonly context: ConnectionContext;
  /** Open connections of the whole process: [0], shared between threads. */
  private readonly openCount: Int32Array;
  private draining = false;
  private drained: (() => void) | null = null;
  private readonly clock = { now: performance.now() };
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(config: ServerConfig, dispatcher: CommandDispatcher, stats: CommandStats, logger: Logger, openCount: Int32Array) {
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
    // Half-open: a client that sends its lines and then FIN still gets every
    // reply (Connection ends our side after the last one).
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      if (this.draining) {
        socket.destroy();
        return;
      }
      if (config.maxConnections > 0 && Atomics.add(openCount, 0, 1) >= config.maxConnections) {
        Atomics.sub(openCount, 0, 1);
        this.limits.report(REJECT_MAX_CONNECTIONS, `${socket.remoteAddress}:${socket.remotePort}`, "connection refused: --max-connections reached");
        socket.destroy();
        return;
      }
      if (config.maxConnections <= 0) Atomics.add(openCount, 0, 1);
      stats.connectionsAccepted++;
      stats.connectionsOpen++;
      this.connections.add(new Connection(socket, this.context));
    });
  }

  /** A connection's socket closed (once per connection). */
  private forget(conn: Connection): void {
    Atomics.sub(this.openCount, 0, 1);
    this.connections.delete(conn);
    if (this.context.debug) this.logger.debug({ client: conn.remoteAddress, open: this.stats.connectionsOpen }, "connection closed");
    if (this.draining && this.connections.size === 0) this.drained?.();
  }

  async listen(port: number, reusePort: boolean): Promise<number> {
    const bound = await listen(this.server, this.config.host, port, reusePort);
    this.startSweep();
    return bound;
  }

  /**
   * Stops accepting, stops reading, and closes each connection once every
   * reply it is owed has been written and read by the kernel. Resolves when
   * all are closed, or at `deadlineMs` (from now) by cutting off the rest:
   * it resolves with how many connections were still owed replies then.
   */
  drain(deadlineMs: number): Promise<number> {
    this.draining = true;
    this.server.close();
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
    this.draining = true;
    this.server.close();
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
