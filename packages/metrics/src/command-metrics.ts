import { COMMAND_NAMES, REPLY_TEXT } from "@pkgindex/protocol";
import type { Registry } from "prom-client";
import type { CommandStats } from "./command-stats.ts";
import { METRIC } from "./metric-names.ts";
import { registerScrapedCounter } from "./scraped-metrics.ts";

// "OK\n" -> "OK": reply codes 0..2 as label values.
const RESULTS = REPLY_TEXT.map((text) => text.trim());

/**
 * Commands answered, by command and result. Every thread that answers
 * commands registers it: the state owner (or the single thread) for what it
 * applies, and each I/O worker for the QUERYs it answers from the read view
 * (--reads local). The series carry no thread label, so the aggregated
 * exposition sums them into one count per command and result.
 */
export function registerCommandCounter(registry: Registry, stats: CommandStats): void {
  registerScrapedCounter(registry, {
    name: METRIC.commands,
    help: "Commands answered, by command and result (QUERYs answered by I/O workers from the read view included).",
    labelNames: ["command", "result"],
    read: (emit) => {
      for (let command = 1; command < COMMAND_NAMES.length; command++) {
        for (let reply = 0; reply < RESULTS.length; reply++) {
          emit({ command: COMMAND_NAMES[command], result: RESULTS[reply] }, stats.results[command * 3 + reply]);
        }
      }
    },
  });
}
