import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";
import { METRIC } from "./metric-names.ts";

/**
 * This thread's event-loop utilization (0..1) since the previous scrape (the
 * first scrape: since the thread started). Called in the thread it measures:
 * performance.eventLoopUtilization() in a worker thread is that worker's.
 */
export function registerEventLoopGauge(registry: Registry, labels: Record<string, string>): void {
  let last: EventLoopUtilization | undefined;
  const gauge = new Gauge({
    name: METRIC.eventLoopUtilization,
    help: "Share of time this thread's event loop was busy since the previous scrape (0..1).",
    labelNames: ["role", "worker"],
    aggregator: "sum",
    registers: [],
    collect() {
      const now = performance.eventLoopUtilization();
      const delta = last === undefined ? now : performance.eventLoopUtilization(now, last);
      last = now;
      this.set(labels, delta.utilization);
    },
  });
  registry.registerMetric(gauge);
}
