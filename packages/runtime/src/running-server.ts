import type { ThreadStatsSnapshot } from "./thread-messages.ts";

/** A started server, whatever its thread layout. */
export interface RunningServer {
  /** The bound port (resolved when --port 0). */
  readonly port: number;
  /** Counters of every thread (gathered by message in worker mode). */
  threadStats(): Promise<ThreadStatsSnapshot[]>;
  /** Resolves true when every thread answers a ping within the deadline. */
  live(timeoutMs: number): Promise<boolean>;
  /** Prometheus text over all threads. */
  metrics(timeoutMs: number): Promise<string>;
  /**
   * Graceful: stops accepting and reading, delivers every reply owed for
   * what was already received, closes each connection after its last reply,
   * then the state owner commits and closes the store.
   */
  drain(): Promise<void>;
  /** Immediate: drops connections, commits what was applied, closes the store. */
  close(): Promise<void>;
}
