import { counterFamily, type MetricJson } from "./families.ts";
import { METRIC } from "./metric-names.ts";
import { processFamilies, type BuildInfo } from "./process-metrics.ts";
import { createRuntimeMetrics, type RuntimeMetrics } from "./runtime-metrics.ts";
import type { MetricsSnapshot, ThreadMetrics } from "./thread-metrics.ts";

export interface SupervisorMetrics extends ThreadMetrics {
  /** A thread of `role` died and was replaced. */
  recordRestart(role: string): void;
}

export interface SupervisorMetricsOptions {
  build: BuildInfo;
  /**
   * Worker mode: the main thread supervises threads, so it reports its own
   * runtime (role="supervisor") and thread restarts. --workers 0: the main
   * thread is the "single" thread, whose runtime its thread metrics report,
   * and nothing can restart.
   */
  supervising: boolean;
}

/** The main thread's own families: the process, the build and, in worker mode, supervision. */
export function createSupervisorMetrics(options: SupervisorMetricsOptions): SupervisorMetrics {
  let ioWorkerRestarts = 0;
  const runtime: RuntimeMetrics | null = options.supervising ? createRuntimeMetrics({ role: "supervisor" }) : null;
  return {
    snapshot(): MetricsSnapshot {
      const out: MetricJson[] = processFamilies(options.build);
      if (runtime !== null) {
        out.push(
          counterFamily(METRIC.threadRestarts, "Threads that died and were replaced by the supervisor, by role.", [
            { labels: { role: "io-worker" }, value: ioWorkerRestarts },
          ]),
          ...runtime.families(),
        );
      }
      return out;
    },
    recordRestart(role: string): void {
      // Only I/O workers are replaced: a dead state owner ends the process.
      if (role === "io-worker") ioWorkerRestarts++;
    },
  };
}
