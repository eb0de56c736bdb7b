import type { MessagePort } from "node:worker_threads";
import type { ErrorCode } from "@pkgindex/errors";
import type { ChangeBatch } from "@pkgindex/feed";
import type { FeedInit } from "./feed-init.ts";
import type { ServerTlsMaterial } from "@pkgindex/tls";
import type { ServerConfig } from "./server-config.ts";

// What the supervisor hands each thread at start. Control requests and
// events travel over the control channel (control-channel.ts); the data path
// (batches and reply codes) sends bare Uint8Arrays on its own ports.

export interface IoWorkerData {
  config: ServerConfig;
  statePort: MessagePort;
  /** Int32Array[1] over it: open connections of the whole process. */
  openCount: SharedArrayBuffer;
  /** The TLS certificate, key and CA in force when the thread started (each worker builds its own context). */
  tls: ServerTlsMaterial | null;
}

export interface StateOwnerData {
  config: ServerConfig;
  /** BigInt64Array[1] over it: the revision of the last committed change, for /readyz and the supervisor. */
  revision: SharedArrayBuffer;
  /** With --feed-port: where the state owner posts FeedMessages. */
  feedPort?: MessagePort;
}

/** State owner to supervisor, on the feed port: first the starting point, then one batch per publication. */
export type FeedMessage = { type: "init"; init: FeedInit } | { type: "batch"; batch: ChangeBatch };

/** Counters copied across threads on request (admin and tests, never per command). */
export interface ThreadStatsSnapshot {
  role: string;
  index: number;
  results: number[];
  protocolErrors: number[];
  batches: number;
  batchedCommands: number;
  /** QUERYs answered from the read view (I/O workers, --reads local). */
  localReads: number;
  /** INDEX/REMOVE answered from the read view because they change nothing (I/O workers, --reads local). */
  localUnchanged: number;
  connectionsAccepted: number;
  connectionsOpen: number;
  /** This thread's own CPU time (process.threadCpuUsage), user + system. */
  threadCpuMicros: number;
  packages?: number;
  edges?: number;
}

/** A PkgIndexError as data, to cross a thread boundary with its code. */
export interface PkgIndexErrorData {
  code: ErrorCode;
  details: Record<string, string | number>;
}
