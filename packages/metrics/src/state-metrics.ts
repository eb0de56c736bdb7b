import type { Registry } from "prom-client";
import { registerBucketHistogram } from "./bucket-histogram.ts";
import type { CommandStats } from "./command-stats.ts";
import { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS } from "./histogram-bounds.ts";
import { METRIC } from "./metric-names.ts";
import { registerScrapedCounter, registerScrapedGauge } from "./scraped-metrics.ts";

export interface IndexSize {
  packages: number;
  edges: number;
}

/**
 * Families of the thread that applies commands (state owner, or the single
 * thread); the command counter is registerCommandCounter's. `storeWritable`
 * is false while the store is full and the index read-only.
 */
export function registerStateMetrics(registry: Registry, stats: CommandStats, indexSize: () => IndexSize, storeWritable: () => boolean): void {
  registerBucketHistogram(registry, METRIC.batchCommands, "Commands per batch applied by the state owner.", {
    bounds: BATCH_SIZE_BOUNDS,
    counts: () => stats.batchSizeBuckets,
    sum: () => stats.batchedCommands,
  });
  registerBucketHistogram(registry, METRIC.applySeconds, "Seconds the state owner spent applying one batch (commit excluded).", {
    bounds: APPLY_SECONDS_BOUNDS,
    counts: () => stats.applySecondsBuckets,
    sum: () => stats.applySeconds,
  });
  registerScrapedCounter(registry, {
    name: METRIC.storeCommits,
    help: "Store commits (one per group commit that wrote something).",
    labelNames: [],
    read: (emit) => emit({}, stats.commits),
  });
  registerScrapedCounter(registry, {
    name: METRIC.storeFullCommits,
    help: "Commits refused because the disk or quota was full; their batches were undone and answered ERROR.",
    labelNames: [],
    read: (emit) => emit({}, stats.fullCommits),
  });
  registerScrapedGauge(
    registry,
    {
      name: METRIC.storeWritable,
      help: "1 while the store accepts writes; 0 while it is full (INDEX and REMOVE answered ERROR, QUERY served).",
      labelNames: [],
      read: (emit) => emit({}, storeWritable() ? 1 : 0),
    },
    "first",
  );
  registerScrapedGauge(
    registry,
    { name: METRIC.packages, help: "Packages in the index.", labelNames: [], read: (emit) => emit({}, indexSize().packages) },
    "first",
  );
  registerScrapedGauge(
    registry,
    { name: METRIC.edges, help: "Dependency edges in the index.", labelNames: [], read: (emit) => emit({}, indexSize().edges) },
    "first",
  );
}
