import { COMMAND_NAMES, REPLY_FAIL, REPLY_OK, REPLY_TEXT } from "@pkgindex/protocol";
import type { CommandStats } from "./command-stats.ts";
import { counterFamily, gaugeFamily, histogramFamily, type MetricJson, type Sample } from "./families.ts";
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
  /** A store that commits (not memory): only then can the commit counter move. */
  durable: boolean;
}

// Malformed lines are protocol errors, never commands: a command's result is
// OK or FAIL, so no ERROR series that could never move.
const RESULTS = [REPLY_OK, REPLY_FAIL];

/** Families of the thread that applies commands (state owner, or the single thread). */
export function stateFamilies(options: StateFamiliesOptions): MetricJson[] {
  const { stats } = options;
  const commands: Sample[] = [];
  for (let command = 1; command < COMMAND_NAMES.length; command++) {
    for (const reply of RESULTS) {
      commands.push({ labels: { command: COMMAND_NAMES[command], result: REPLY_TEXT[reply].trim() }, value: stats.results[command * 3 + reply] });
    }
  }
  const size = options.indexSize();
  const out = [
    counterFamily(METRIC.commands, "Commands applied to the index, by command and result.", commands),
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
  if (options.durable) out.push(counterFamily(METRIC.storeCommits, "Store commits (one per group commit that wrote something).", [{ labels: {}, value: stats.commits }]));
  return out;
}
