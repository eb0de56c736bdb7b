import type { CommandStats } from "./command-stats.ts";
import { commandFamily } from "./command-metrics.ts";
import { connectionFamilies } from "./connection-metrics.ts";
import type { MetricJson } from "./families.ts";
import { createRuntimeMetrics } from "./runtime-metrics.ts";
import { stateFamilies, type IndexSize } from "./state-metrics.ts";

/** One thread's metrics as plain data: structured-clonable, so it can be posted to the main thread. */
export type MetricsSnapshot = MetricJson[];

/**
 * io-worker: connection families, labelled worker="<index>", and the
 * commands it answered itself (QUERY from the read view).
 * state-owner: command, batch, store and index families.
 * single: connections, commands and index (the one thread of --workers 0, worker="0").
 * Every role: its thread's runtime families (heap, GC, event loop, CPU).
 */
export type ThreadRole = "io-worker" | "state-owner" | "single";

export interface ThreadMetricsOptions {
  role: ThreadRole;
  /** The CommandStats this thread's hot path bumps. */
  stats: CommandStats;
  /** io-worker: its index (1..N). Ignored for other roles. */
  worker?: number;
  /** state-owner and single: the index size, read at scrape time. */
  indexSize?: () => IndexSize;
  /** state-owner and single: the store commits (anything but memory). */
  durable?: boolean;
  /** state-owner and single, durable store: whether the store accepts writes (default: always). */
  storeWritable?: () => boolean;
  /** io-worker and single: REJECT_* reasons the configuration can produce (default: all). */
  rejectReasons?: readonly number[];
  /** io-worker and single: connections the server holds state for. */
  tracked?: () => number;
  /** io-worker and single, test hooks only: Connection objects alive after a full GC. */
  liveObjects?: () => number;
}

export interface ThreadMetrics {
  /** This thread's families now, read from CommandStats: what the thread posts to the main thread on request. */
  snapshot(): MetricsSnapshot;
}

const ALL_REASONS = [0, 1, 2, 3, 4, 5, 6];

/**
 * The metrics of the calling thread. Create it once, in the thread it
 * describes (heap, GC and event loop are the calling thread's). Loads no
 * prom-client: threads hand plain families to the main thread, which alone
 * renders the exposition (aggregateMetrics).
 */
export function createThreadMetrics(options: ThreadMetricsOptions): ThreadMetrics {
  const { role, stats } = options;
  if (role === "io-worker" && options.worker === undefined) throw new TypeError("an io-worker's metrics need its worker index");
  const worker = role === "io-worker" ? String(options.worker) : "0";
  const runtime = createRuntimeMetrics(role === "state-owner" ? { role } : { role, worker });
  const indexSize = options.indexSize ?? (() => ({ packages: 0, edges: 0 }));
  const rejectReasons = options.rejectReasons ?? ALL_REASONS;
  const tracked = options.tracked ?? (() => stats.connectionsOpen);
  const durable = options.durable ?? false;
  const storeWritable = options.storeWritable ?? (() => true);
  return {
    snapshot(): MetricsSnapshot {
      const out: MetricJson[] = [commandFamily({ stats, ioWorker: role === "io-worker", durable })];
      if (role !== "state-owner") out.push(...connectionFamilies({ stats, worker, rejectReasons, tracked, liveObjects: options.liveObjects }));
      if (role !== "io-worker") out.push(...stateFamilies({ stats, indexSize, batches: role === "state-owner", durable, storeWritable }));
      out.push(...runtime.families());
      return out;
    },
  };
}
