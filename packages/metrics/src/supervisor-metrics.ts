import { Counter, Registry } from "prom-client";
import { registerEventLoopGauge } from "./event-loop-gauge.ts";
import { METRIC } from "./metric-names.ts";
import { wrap, type ThreadMetrics } from "./thread-metrics.ts";

export interface SupervisorMetrics extends ThreadMetrics {
  /** A thread of `role` died and was replaced. */
  recordRestart(role: string): void;
}

/**
 * The main thread's own registry in worker mode: thread restarts (the
 * supervisor sees them; a restarted thread's own counters start over) and the
 * main thread's event-loop utilization.
 */
export function createSupervisorMetrics(): SupervisorMetrics {
  const registry = new Registry();
  const restarts = new Counter({
    name: METRIC.threadRestarts,
    help: "Threads that died and were replaced by the supervisor, by role.",
    labelNames: ["role"],
    aggregator: "sum",
    registers: [],
  });
  registry.registerMetric(restarts);
  restarts.inc({ role: "io-worker" }, 0);
  registerEventLoopGauge(registry, { role: "supervisor" });
  return { ...wrap(registry), recordRestart: (role) => restarts.inc({ role }) };
}
