import net from "node:net";
import { REJECT_IDLE_TIMEOUT, REJECT_MAX_CONNECTIONS, type CommandStats } from "@pkgindex/metrics";
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

  constructor(config: ServerConfig, dispatcher: CommandDispatcher, stats: CommandStats, logger: Logger, openCount: Int32Array) {
    this.config = config;
    this.stats = stats;
    this.logger = logger;
    this.limits = new LimitReporter(stats, logger);
    this.openCount = openCount;
    this.context = { limits: config, dispatcher, stats, logger, reporter: this.limits };
    this.server = net.createServer({ noDelay: true }, (socket) => {
      const client = `${socket.remoteAddress}:${socket.remotePort}`;
      if (this.draining) {
        socket.destroy();
        return;
      }
      if (config.maxConnections > 0 && Atomics.add(openCount, 0, 1) >= config.maxConnections) {
        Atomics.sub(openCount, 0, 1);
        this.limits.report(REJECT_MAX_CONNECTIONS, client, "connection refused: --max-connections reached");
        socket.destroy();
        return;
      }
      if (config.maxConnections <= 0) Atomics.add(openCount, 0, 1);
      stats.connectionsAccepted++;
      stats.connectionsOpen++;
      const conn = new Connection(socket, this.context);
      this.connections.add(conn);
      if (config.idleTimeoutMs > 0) {
        socket.setTimeout(config.idleTimeoutMs, () => {
          this.limits.report(REJECT_IDLE_TIMEOUT, conn.remoteAddress, "connection closed: idle longer than --idle-timeout");
          conn.closeNow();
        });
      }
      socket.once("close", () => {
        Atomics.sub(openCount, 0, 1);
        this.connections.delete(conn);
        logger.debug({ client: conn.remoteAddress, open: stats.connectionsOpen }, "connection closed");
        if (this.draining && this.connections.size === 0) this.drained?.();
      });
    });
  }

  listen(port: number, reusePort: boolean): Promise<number> {
    return listen(this.server, this.config.host, port, reusePort);
  }

  /**
   * Stops accepting, stops reading, and closes each connection once every
   * reply it is owed has been written. Resolves when all are closed.
   */
  drain(): Promise<void> {
    this.draining = true;
    this.server.close();
    return new Promise((resolve) => {
      this.drained = resolve;
      for (const conn of this.connections) conn.drain();
      if (this.connections.size === 0) resolve();
    });
  }

  /** Closes every connection at once (drain timeout, fatal errors). */
  destroyAll(): void {
    this.draining = true;
    this.server.close();
    for (const conn of this.connections) conn.closeNow();
  }
}
