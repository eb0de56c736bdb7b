import type { CommandStats } from "@pkgindex/metrics";
import type { ThreadStatsSnapshot } from "./thread-messages.ts";

/** A started server, whatever its thread layout. */
export interface RunningServer {
  /** The bound port (resolved when --port 0). */
  readonly port: number;
  /** Counters of the threads this process can read directly. */
  stats(): CommandStats[];
  /** Counters of every thread, gathered by message (worker mode only). */
  threadStats?(): Promise<ThreadStatsSnapshot[]>;
  /** Stops accepting, closes connections, commits, closes the store. */
  close(): Promise<void>;
}
