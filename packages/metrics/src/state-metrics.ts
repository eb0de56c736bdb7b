import { COMMAND_NAMES, REPLY_TEXT } from "@pkgindex/protocol";
import type { Registry } from "prom-client";
import { registerBucketHistogram } from "./bucket-histogram.ts";
import type { CommandStats } from "./command-stats.ts";
import { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS } from "./histogram-bounds.ts";
import { METRIC } from "./metric-names.ts";
import { registerScrapedCounter, registerScrapedGauge } from "./scraped-metrics.ts";

export interface IndexSize {
  packages: number;
  edges: number;
  /** The revision of the last committed change (the change feed's numbering). */
  revision?: number;
}

// "OK\n" -> "OK": reply codes 0..2 as label values.
const RESULTS = REPLY_TEXT.map((text) => text.trim());

/** Families of the thread that applies commands (state owner, or the single thread). */
export function registerStateMetrics(registry: Registry, stats: CommandStats, indexSize: () => IndexSize): void {
  registerScrapedCounter(registry, {
    name: METRIC.commands,
    help: "Commands applied to the index, by command and result.",
    labelNames: ["command", "result"],
    read: (emit) => {
      for (let command = 1; command < COMMAND_NAMES.length; command++) {
        for (let reply = 0; reply < RESULTS.length; reply++) {
          emit({ command: COMMAND_NAMES[command], result: RESULTS[reply] }, stats.results[command * 3 + reply]);
        }
      }
    },
  });
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
  registerScrapedGauge(
    registry,
    {
      name: METRIC.revision,
      help: "Revision of the last committed change (every change that alters the index takes the next one).",
      labelNames: [],
      read: (emit) => emit({}, indexSize().revision ?? 0),
    },
    "first",
  );
}
