import type { CommandStats } from "./command-stats.ts";
import { counterFamily, gaugeFamily, histogramFamily, type MetricJson } from "./families.ts";
import { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS } from "./histogram-bounds.ts";
import { METRIC } from "./metric-names.ts";

export interface IndexSize {
  packages: number;
  edges: number;
}

export interface StateFamiliesOptions {
  stats: CommandStats;
  indexSize: () => IndexSize;
  /** The state owner applies batches; the single thread applies line by line and has no batch series. */
  batches: boolean;
  /** A store that commits (not memory): only then can the commit series move. */
  durable: boolean;
  /** False while the store is full and the index read-only. */
  storeWritable: () => boolean;
}

/**
 * Families of the thread that applies commands (state owner, or the single
 * thread), besides the command counter (command-metrics.ts).
 */
export function stateFamilies(options: StateFamiliesOptions): MetricJson[] {
  const { stats } = options;
  const size = options.indexSize();
  const out = [
    gaugeFamily(METRIC.packages, "Packages in the index.", [{ labels: {}, value: size.packages }], "first"),
    gaugeFamily(METRIC.edges, "Dependency edges in the index.", [{ labels: {}, value: size.edges }], "first"),
  ];
  if (options.batches) {
    out.push(
      histogramFamily(METRIC.batchCommands, "Commands per batch applied by the state owner.", BATCH_SIZE_BOUNDS, [
        { labels: {}, counts: stats.batchSizeBuckets, sum: stats.batchedCommands },
      ]),
      histogramFamily(METRIC.applySeconds, "Seconds the state owner spent applying one batch (commit excluded).", APPLY_SECONDS_BOUNDS, [
        { labels: {}, counts: stats.applySecondsBuckets, sum: stats.applySeconds },
      ]),
    );
  }
  if (options.durable) {
    out.push(
      counterFamily(METRIC.storeCommits, "Store commits (one per group commit that wrote something).", [{ labels: {}, value: stats.commits }]),
      counterFamily(METRIC.storeFullCommits, "Commits refused because the disk or quota was full; their batches were undone and answered ERROR.", [
        { labels: {}, value: stats.fullCommits },
      ]),
      gaugeFamily(
        METRIC.storeWritable,
        "1 while the store accepts writes; 0 while it is full (INDEX and REMOVE answered ERROR, QUERY served).",
        [{ labels: {}, value: options.storeWritable() ? 1 : 0 }],
        "first",
      ),
    );
  }
  return out;
}
