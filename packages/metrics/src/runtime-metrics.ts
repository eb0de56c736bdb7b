import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { counterFamily, gaugeFamily, histogramFamily, type Labels, type MetricJson } from "./families.ts";
import { bucketIndex, GC_SECONDS_BOUNDS } from "./histogram-bounds.ts";
import { METRIC, RUNTIME_METRIC } from "./metric-names.ts";

const GC_KINDS: readonly { kind: number; label: string }[] = [
  { kind: constants.NODE_PERFORMANCE_GC_MINOR, label: "minor" },
  { kind: constants.NODE_PERFORMANCE_GC_MAJOR, label: "major" },
  { kind: constants.NODE_PERFORMANCE_GC_INCREMENTAL, label: "incremental" },
  { kind: constants.NODE_PERFORMANCE_GC_WEAKCB, label: "weakcb" },
];
/**
 * The event-loop delay figures describe a window of at least this long,
 * closed at the first scrape after it elapses. prom-client resets its
 * histogram at every scrape, so two Prometheus servers would each see half
 * the story; a fixed window gives every scraper the same figures.
 */
const LAG_WINDOW_MS = 10_000;
/** Sampling period of the delay monitor: coarse, since an idle thread wakes for it. */
const LAG_RESOLUTION_MS = 20;

/** A delay monitor reading (ns) as event-loop delay in seconds: the monitor's own period is not delay. */
function delaySeconds(ns: number): number {
  return Math.max(0, ns / 1e9 - LAG_RESOLUTION_MS / 1000);
}

export interface RuntimeMetrics {
  /** This thread's families now. */
  families(): MetricJson[];
}

/**
 * Heap, GC, event-loop delay, event-loop busy time and CPU of the calling
 * thread (each worker thread is its own V8 isolate and event loop). Create
 * it once, in the thread it describes. Nothing here runs per request: the GC
 * observer runs per collection, the delay monitor every LAG_RESOLUTION_MS.
 */
export function createRuntimeMetrics(labels: Labels): RuntimeMetrics {
  const gcCounts = GC_KINDS.map(() => new Float64Array(GC_SECONDS_BOUNDS.length + 1));
  const gcSeconds = new Float64Array(GC_KINDS.length);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) recordGc(entry);
  });
  const recordGc = (entry: PerformanceEntry): void => {
    const kind = ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind;
    const i = GC_KINDS.findIndex((k) => k.kind === kind);
    if (i === -1) return;
    const seconds = entry.duration / 1000;
    gcCounts[i][bucketIndex(GC_SECONDS_BOUNDS, seconds)]++;
    gcSeconds[i] += seconds;
  };
  observer.observe({ entryTypes: ["gc"] });

  const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  delay.enable();
  let windowStart = performance.now();
  let lag = { p50: 0, p99: 0, max: 0 };
  const lagFigures = (): typeof lag => {
    const now = performance.now();
    // The first window reports what it has so far; later ones only whole windows.
    if (now - windowStart < LAG_WINDOW_MS && lag.max > 0) return lag;
    if (delay.count > 0) lag = { p50: delaySeconds(delay.percentile(50)), p99: delaySeconds(delay.percentile(99)), max: delaySeconds(delay.max) };
    if (now - windowStart >= LAG_WINDOW_MS) {
      delay.reset();
      windowStart = now;
    }
    return lag;
  };

  return {
    families(): MetricJson[] {
      const heap = getHeapStatistics();
      const cpu = process.threadCpuUsage();
      const busyMs = performance.eventLoopUtilization().active;
      const l = lagFigures();
      return [
        gaugeFamily(RUNTIME_METRIC.heapUsed, "V8 heap in use by this thread's isolate, in bytes.", [{ labels, value: heap.used_heap_size }]),
        gaugeFamily(RUNTIME_METRIC.heapTotal, "V8 heap reserved by this thread's isolate, in bytes.", [{ labels, value: heap.total_heap_size }]),
        gaugeFamily(RUNTIME_METRIC.externalMemory, "Memory outside the V8 heap held by this thread's objects (buffers), in bytes.", [
          { labels, value: heap.external_memory },
        ]),
        histogramFamily(
          RUNTIME_METRIC.gcSeconds,
          "Garbage collections of this thread's isolate, by kind, in seconds.",
          GC_SECONDS_BOUNDS,
          GC_KINDS.map((k, i) => ({ labels: { ...labels, kind: k.label }, counts: gcCounts[i], sum: gcSeconds[i] })),
        ),
        gaugeFamily(RUNTIME_METRIC.lagP50, "Median event-loop delay of this thread over the last window (10 s), in seconds.", [{ labels, value: l.p50 }]),
        gaugeFamily(RUNTIME_METRIC.lagP99, "99th percentile event-loop delay of this thread over the last window (10 s), in seconds.", [
          { labels, value: l.p99 },
        ]),
        gaugeFamily(RUNTIME_METRIC.lagMax, "Longest event-loop delay of this thread over the last window (10 s), in seconds.", [{ labels, value: l.max }]),
        counterFamily(METRIC.eventLoopBusySeconds, "Seconds this thread's event loop spent busy (not waiting for I/O); rate() is its utilization.", [
          { labels, value: busyMs / 1000 },
        ]),
        counterFamily(METRIC.threadCpuSeconds, "CPU time used by this thread (user + system), in seconds.", [
          { labels, value: (cpu.user + cpu.system) / 1e6 },
        ]),
      ];
    },
  };
}
