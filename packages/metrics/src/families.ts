import type { Registry } from "prom-client";

/**
 * One metric family as plain data: exactly what prom-client's
 * getMetricsAsJSON() yields, so AggregatorRegistry.aggregate merges it, and
 * structured-clonable, so a thread posts it to the main thread. Threads build
 * these without loading prom-client at all (it costs an I/O worker several
 * MiB of heap and code); only the main thread renders the text.
 */
export type MetricJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>[number];

export type Labels = Record<string, string>;
/** How series of the same labels from several threads combine (see aggregate-metrics.ts). */
export type Aggregator = "sum" | "first" | "max";

export interface Sample {
  labels: Labels;
  value: number;
}

interface SeriesValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

function family(name: string, help: string, type: string, aggregator: Aggregator, values: SeriesValue[]): MetricJson {
  return { name, help, type, aggregator, values } as unknown as MetricJson;
}

export function counterFamily(name: string, help: string, samples: Sample[]): MetricJson {
  return family(name, help, "counter", "sum", samples);
}

export function gaugeFamily(name: string, help: string, samples: Sample[], aggregator: Aggregator = "sum"): MetricJson {
  return family(name, help, "gauge", aggregator, samples);
}

export interface HistogramSeries {
  labels: Labels;
  /** Per-bucket (not cumulative) counts, bounds.length + 1 long (the last is +Inf). */
  counts: ArrayLike<number>;
  sum: number;
}

/** A histogram whose per-bucket counts were kept elsewhere (CommandStats, the GC observer). */
export function histogramFamily(name: string, help: string, bounds: readonly number[], series: HistogramSeries[]): MetricJson {
  const values: SeriesValue[] = [];
  const bucketName = `${name}_bucket`;
  for (const { labels, counts, sum } of series) {
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += counts[i];
      values.push({ labels: { ...labels, le: bounds[i] }, value: cumulative, metricName: bucketName });
    }
    cumulative += counts[bounds.length];
    values.push({ labels: { ...labels, le: "+Inf" }, value: cumulative, metricName: bucketName });
    values.push({ labels, value: sum, metricName: `${name}_sum` });
    values.push({ labels, value: cumulative, metricName: `${name}_count` });
  }
  return family(name, help, "histogram", "sum", values);
}
