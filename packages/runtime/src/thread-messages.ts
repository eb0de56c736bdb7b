import type { MessagePort } from "node:worker_threads";
import type { ServerConfig } from "./server-config.ts";

// Control messages between the supervisor and its threads. The data path
// (batches and reply codes) never uses these: it sends bare Uint8Arrays.

export interface IoWorkerData {
  config: ServerConfig;
  port: number;
  index: number;
  statePort: MessagePort;
}

export interface StateOwnerData {
  config: ServerConfig;
}

export type ToIoWorker = { type: "stop" } | { type: "crash" } | { type: "stats" };
export type FromIoWorker =
  | { type: "listening" }
  | { type: "stopped" }
  | { type: "stats"; stats: ThreadStatsSnapshot };

export type ToStateOwner =
  | { type: "attach"; port: MessagePort; worker: number }
  | { type: "stop" }
  | { type: "crash" }
  | { type: "stats" };
export type FromStateOwner =
  | { type: "ready"; packages: number; edges: number; millis: number }
  | { type: "failed"; code: string; details: Record<string, string | number> }
  | { type: "stopped" }
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
  packages?: number;
  edges?: number;
}
