import type { Histogram, Registry } from "prom-client";

/** What a prom-client metric's get() resolves to (one entry of getMetricsAsJSON()). */
export type MetricJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>[number];

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface BucketHistogramSource {
  /** Upper bounds, ascending; +Inf is implicit. */
  bounds: readonly number[];
  /** Per-bucket (not cumulative) counts, bounds.length + 1 long (last is +Inf). */
  counts: () => Float64Array;
  /** Sum of all observed values. */
  sum: () => number;
}

/**
 * A histogram whose bucket counts are kept elsewhere (in CommandStats, by
 * the hot path) and read only when the registry is scraped. prom-client's
 * Histogram can only be fed one observe() at a time, so this registers a
 * metric object of the same shape prom-client's own AggregatorRegistry
 * registers: name, help, type, aggregator and get() resolving to the same
 * JSON a Histogram produces (_bucket with cumulative `le`, _sum, _count).
 */
export function registerBucketHistogram(
  registry: Registry,
  name: string,
  help: string,
  source: BucketHistogramSource,
): void {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    labelNames: [] as string[],
    async get(): Promise<MetricJson> {
      return { name, help, type: "histogram", aggregator: "sum", values: histogramValues(name, source) } as unknown as MetricJson;
    },
    reset(): void {
      // The counts belong to CommandStats; a registry reset does not clear them.
    },
  };
  registry.registerMetric(metric as unknown as Histogram);
}

function histogramValues(name: string, source: BucketHistogramSource): HistogramValue[] {
  const counts = source.counts();
  const bucketName = `${name}_bucket`;
  const values: HistogramValue[] = [];
  let cumulative = 0;
  for (let i = 0; i < source.bounds.length; i++) {
    cumulative += counts[i];
    values.push({ labels: { le: source.bounds[i] }, value: cumulative, metricName: bucketName });
  }
  cumulative += counts[source.bounds.length];
  values.push({ labels: { le: "+Inf" }, value: cumulative, metricName: bucketName });
  values.push({ labels: {}, value: source.sum(), metricName: `${name}_sum` });
  values.push({ labels: {}, value: cumulative, metricName: `${name}_count` });
  return values;
}
