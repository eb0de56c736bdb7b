import type { StoreStatus } from "./store-status.ts";
import type { StoreHealth } from "./store-health-reporter.ts";
import type { ThreadStatsSnapshot } from "./thread-messages.ts";

/** How a drain ended. */
export interface DrainOutcome {
  /** Connections cut off at the deadline while still owed replies (0: a clean drain). */
  cutOff: number;
  /** Set when the state owner could not commit what was applied (nothing unacknowledged is lost). */
  storeError?: string;
  /** Every thread's counters once everything received was applied (for the final log line). */
  threads: ThreadStatsSnapshot[];
}

/** A started server, whatever its thread layout. */
export interface RunningServer {
  /** The bound plain port (resolved when --port 0); null with --tls-only. */
  readonly port: number | null;
  /** The bound TLS port (resolved when --tls-port 0); null without a TLS listener. */
  readonly tlsPort: number | null;
  /**
   * Re-reads the TLS certificate, key and CA: new handshakes use them, open
   * connections keep going. A bad file rejects (PKGI_TLS_FILE naming it)
   * and the old ones stay in use.
   */
  reloadTls(): Promise<void>;
  /** Counters of every thread (gathered by message in worker mode). */
  threadStats(timeoutMs: number): Promise<ThreadStatsSnapshot[]>;
  /** Resolves true when every thread answers a ping within the deadline. */
  live(timeoutMs: number): Promise<boolean>;
  /** Whether the store lets the node serve now (PostgreSQL reachable), and if not why (for /readyz). */
  storeStatus(): StoreStatus;
  /** Whether the store accepts writes now (false while it is full: the server is read-only). */
  storeHealth(): StoreHealth;
  /** The revision of the last committed change. */
  revision(): number;
  /** The change feed's port (undefined: no --feed-port). */
  readonly feedPort: number | undefined;
  /** Prometheus text over all threads. */
  metrics(timeoutMs: number): Promise<string>;
  /**
   * A live backup: the state owner copies the committed index into `file`
   * (which must not exist) between two batches, while serving goes on.
   * Rejects with PKGI_BACKUP_UNAVAILABLE or PKGI_BACKUP_FAILED.
   */
  backup(file: string, timeoutMs: number): Promise<void>;
  /**
   * Graceful: stops accepting and reading, delivers every reply owed for
   * what was already received, closes each connection after its last reply,
   * then commits and closes the store. Whatever is not delivered within
   * `deadlineMs` is cut off and counted in the outcome.
   */
  drain(deadlineMs: number): Promise<DrainOutcome>;
  /** Immediate: drops connections, commits what was applied, closes the store. */
  close(): Promise<void>;
  /**
   * Called once when the server can no longer serve correctly (a failed
   * commit, the state owner died, an I/O worker could not be replaced):
   * the application decides what to do (pkgindex serve exits 1).
   */
  onFatal(listener: (message: string, code: string) => void): void;
}
