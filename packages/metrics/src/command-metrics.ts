import { CMD_INDEX, CMD_QUERY, CMD_REMOVE, COMMAND_NAMES, REPLY_ERROR, REPLY_FAIL, REPLY_OK, REPLY_TEXT } from "@pkgindex/protocol";
import type { CommandStats } from "./command-stats.ts";
import { counterFamily, type MetricJson, type Sample } from "./families.ts";
import { METRIC } from "./metric-names.ts";

export interface CommandFamilyOptions {
  stats: CommandStats;
  /**
   * An I/O worker: it answers QUERYs and the INDEXes and REMOVEs that change
   * nothing from the read view (OK or FAIL), never a write's ERROR.
   */
  ioWorker: boolean;
  /** A durable store: INDEX and REMOVE are answered ERROR while it is full. */
  durable: boolean;
}

/**
 * Commands answered, by command and result. Every thread that answers
 * commands reports it: the state owner (or the single thread) for what it
 * applies, and each I/O worker for what it answers from the read view
 * (--reads local: QUERYs, and INDEX/REMOVE that change nothing). The series carry no thread label, so the aggregated
 * exposition sums them into one count per command and result. Only results
 * that can happen get a series: QUERY is OK or FAIL; INDEX and REMOVE are
 * also ERROR only while a durable store is full (malformed lines are
 * protocol errors, not commands).
 */
export function commandFamily(options: CommandFamilyOptions): MetricJson {
  const { stats } = options;
  const samples: Sample[] = [];
  const add = (command: number, reply: number) =>
    samples.push({ labels: { command: COMMAND_NAMES[command], result: REPLY_TEXT[reply].trim() }, value: stats.results[command * 3 + reply] });
  for (const command of [CMD_INDEX, CMD_REMOVE]) {
    add(command, REPLY_OK);
    add(command, REPLY_FAIL);
    if (options.durable && !options.ioWorker) add(command, REPLY_ERROR);
  }
  add(CMD_QUERY, REPLY_OK);
  add(CMD_QUERY, REPLY_FAIL);
  return counterFamily(
    METRIC.commands,
    "Commands answered, by command and result (what I/O workers answer from the read view included).",
    samples,
  );
}
