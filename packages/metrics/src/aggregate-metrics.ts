// oxlint-disable-next-line typescript/triple-slash-reference -- the deep path has no types to import; every package that compiles this file (admin, runtime, server) needs the declaration, and only a reference brings it along
/// <reference path="./prom-client-parts.d.ts" />
import type { MetricsSnapshot } from "./thread-metrics.ts";

/**
 * Content type of aggregateMetrics()'s text (Prometheus text format 0.0.4):
 * prom-client's Registry.PROMETHEUS_CONTENT_TYPE (a test holds them equal),
 * written out so that naming it loads no prom-client.
 */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * prom-client's AggregatorRegistry, loaded at the first scrape: only the
 * main thread ever aggregates, and every thread imports this package. Not
 * from "prom-client": its index loads far more (prom-client-parts.d.ts).
 */
async function aggregator(): Promise<typeof import("prom-client").AggregatorRegistry> {
  return (await import("prom-client/lib/cluster.js")).default;
}

/**
 * Merges the snapshots of every thread into one Prometheus text exposition,
 * with prom-client's AggregatorRegistry.aggregate: series are grouped by
 * metric name, then by exact label set (and, for histograms, by _bucket/_sum/
 * _count and `le`), and combined by the metric's `aggregator`: "sum" for
 * everything here except pkgindex_packages, pkgindex_edges and
 * pkgindex_build_info ("first": one owner). Per-thread series differ by
 * their worker/role label, so summing leaves them distinct (a replaced
 * worker's successor reuses its index, so retireSnapshot keeps them
 * monotonic); series without one (commands, protocol errors,
 * rejections) add up across threads.
 */
export async function aggregateMetrics(snapshots: readonly MetricsSnapshot[]): Promise<string> {
  return (await aggregator()).aggregate([...snapshots]).metrics();
}

/**
 * Counters and histograms of a thread that died, folded into `carry`, so the
 * summed series stay monotonic after its replacement starts again from zero
 * (Prometheus would read a drop as a counter reset). `last` is the dead
 * thread's latest snapshot; gauges are dropped (its connections are gone).
 * Pass the result along with the live snapshots to aggregateMetrics().
 */
export async function retireSnapshot(carry: MetricsSnapshot | undefined, last: MetricsSnapshot): Promise<MetricsSnapshot> {
  const cumulative = last.filter((m) => String(m.type) === "counter" || String(m.type) === "histogram");
  const merged = (await aggregator()).aggregate(carry === undefined ? [cumulative] : [carry, cumulative]);
  return (await merged.getMetricsAsJSON()) as MetricsSnapshot;
}
