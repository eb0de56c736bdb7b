import type { MetricsSnapshot } from "@pkgindex/metrics";
import type { MessagePort } from "node:worker_threads";
import type { ServerConfig } from "./server-config.ts";

// Control messages between the supervisor and its threads. The data path
// (batches and reply codes) never uses these: it sends bare Uint8Arrays.

export interface IoWorkerData {
  config: ServerConfig;
  port: number;
  statePort: MessagePort;
  /** Int32Array[1] over it: open connections of the whole process. */
  openCount: SharedArrayBuffer;
}

export interface StateOwnerData {
  config: ServerConfig;
}

/** Asked of every thread by the supervisor (admin HTTP), matched by id. */
export type ThreadRequest = { type: "ping"; id: number } | { type: "metrics"; id: number };
export type ThreadReply = { type: "pong"; id: number } | { type: "metrics"; id: number; snapshot: MetricsSnapshot };

export type ToIoWorker = ThreadRequest | { type: "listen"; index: number } | { type: "drain" } | { type: "close" } | { type: "crash" } | { type: "stats" };
export type FromIoWorker =
  | ThreadReply
  | { type: "loaded" }
  | { type: "listening" }
  | { type: "drained" }
  | { type: "stats"; stats: ThreadStatsSnapshot };

export type ToStateOwner =
  | ThreadRequest
  | { type: "attach"; port: MessagePort }
  | { type: "stop" }
  | { type: "crash" }
  | { type: "stats" };
export type FromStateOwner =
  | ThreadReply
  | { type: "ready"; packages: number; edges: number; millis: number }
  | { type: "failed"; code: string; details: Record<string, string | number> }
  | { type: "stopped" }
  | { type: "fatal"; reason: string }
  | { type: "stats"; stats: ThreadStatsSnapshot };

/** Counters copied across threads on request (admin and tests, never per command). */
export interface ThreadStatsSnapshot {
  role: string;
  index: number;
  results: number[];
  protocolErrors: number[];
  batches: number;
  batchedCommands: number;
  connectionsAccepted: number;
  connectionsOpen: number;
  /** This thread's own CPU time (process.threadCpuUsage), user + system. */
  threadCpuMicros: number;
  packages?: number;
  edges?: number;
}
