import { Registry } from "prom-client";
import type { MetricJson } from "./bucket-histogram.ts";
import type { CommandStats } from "./command-stats.ts";
import { registerCommandCounter } from "./command-metrics.ts";
import { registerConnectionMetrics } from "./connection-metrics.ts";
import { registerEventLoopGauge } from "./event-loop-gauge.ts";
import { registerThreadCpuCounter } from "./thread-cpu-counter.ts";
import { registerStateMetrics, type IndexSize } from "./state-metrics.ts";

/** One thread's metrics as plain data: structured-clonable, so it can be posted to the main thread. */
export type MetricsSnapshot = MetricJson[];

/**
 * io-worker: connection families, labelled worker="<index>", and the
 * commands it answered itself (QUERY from the read view).
 * state-owner: command, batch, store and index families.
 * single: both (the one thread of --workers 0, worker="0").
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
  /** state-owner and single: whether the store accepts writes (default: always). */
  storeWritable?: () => boolean;
}

export interface ThreadMetrics {
  /** This thread's registry; its metrics read CommandStats lazily when scraped. */
  readonly registry: Registry;
  /** registry.getMetricsAsJSON(): what the thread posts to the main thread on request. */
  snapshot(): Promise<MetricsSnapshot>;
}

/**
 * Builds the prom-client registry of the calling thread. Create it once, in
 * the thread it describes (the event-loop gauge measures the calling thread).
 */
export function createThreadMetrics(options: ThreadMetricsOptions): ThreadMetrics {
  const registry = new Registry();
  const { role, stats } = options;
  if (role === "io-worker" && options.worker === undefined) throw new TypeError("an io-worker's metrics need its worker index");
  const worker = role === "io-worker" ? String(options.worker) : "0";
  registerCommandCounter(registry, stats);
  if (role !== "state-owner") registerConnectionMetrics(registry, stats, worker);
  if (role !== "io-worker") {
    registerStateMetrics(registry, stats, options.indexSize ?? (() => ({ packages: 0, edges: 0 })), options.storeWritable ?? (() => true));
  }
  const labels: Record<string, string> = role === "state-owner" ? { role } : { role, worker };
  registerEventLoopGauge(registry, labels);
  registerThreadCpuCounter(registry, labels);
  return wrap(registry);
}

export function wrap(registry: Registry): ThreadMetrics {
  return {
    registry,
    snapshot: () => registry.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  };
}
