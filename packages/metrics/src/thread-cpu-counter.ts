import { Counter, type Registry } from "prom-client";
import { METRIC } from "./metric-names.ts";

/**
 * CPU time of the calling thread (process.threadCpuUsage, user + system).
 * The state owner's CPU per command is the throughput ceiling of the whole
 * design on any number of cores, so it is worth a series of its own.
 */
export function registerThreadCpuCounter(registry: Registry, labels: Record<string, string>): void {
  let reported = 0;
  const counter = new Counter({
    name: METRIC.threadCpuSeconds,
    help: "CPU time used by this thread (user + system), in seconds.",
    labelNames: ["role", "worker"],
    aggregator: "sum",
    registers: [],
    collect() {
      const usage = process.threadCpuUsage();
      const seconds = (usage.user + usage.system) / 1e6;
      // A counter only goes up: add what accrued since the last scrape.
      if (seconds > reported) this.inc(labels, seconds - reported);
      reported = seconds;
    },
  });
  registry.registerMetric(counter);
}
