import * as hdr from "hdr-histogram-js";

/**
 * Latency histograms: HDR histograms of microseconds, 3 significant digits
 * (values are exact to 0.1%), from 1 µs up, growing as needed. Load threads
 * record into their own and ship them to the main thread encoded.
 */
export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles in microseconds. */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    mean: h.mean,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}

/** Merges encoded histograms from load threads into one. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) {
    const h = decodeHistogram(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

/**
 * The nearest-rank percentile of a sample: the smallest value with at least
 * p% of the sample at or below it. For small exact sets (rounds of a
 * benchmark), where a histogram's bucketing would only blur.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** How far a benchmark's rounds (or a run's intervals) spread around their median. */
export interface Spread {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** (max − min) / median: 0.1 means the rounds disagree by 10% of the median. */
  relative: number;
}

/**
 * The five-number summary of a small exact sample, quartiles by nearest
 * rank (as `percentile`). NaNs (a figure a server does not have) are left
 * out; an empty sample is all NaN.
 */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { n: 0, min: Number.NaN, q1: Number.NaN, median: Number.NaN, q3: Number.NaN, max: Number.NaN, relative: Number.NaN };
  const sorted = finite.toSorted((a, b) => a - b);
  const mid = median(sorted);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { n: sorted.length, min, q1: percentile(sorted, 25), median: mid, q3: percentile(sorted, 75), max, relative: mid !== 0 ? (max - min) / Math.abs(mid) : max === min ? 0 : Number.POSITIVE_INFINITY };
}

/**
 * The percentiles a latency distribution is drawn at, HDR style: evenly
 * spaced in log10(1 / (1 − p)), four per decade (0, 43.8, 68.4, 82.2, 90,
 * … 99.999%), so the tail gets as much of the chart as the body.
 */
export const DISTRIBUTION_PERCENTILES: readonly number[] = Array.from({ length: 21 }, (_, k) => Math.round((1 - 10 ** (-k / 4)) * 1e7) / 1e5);

/** The latency (µs) at each of DISTRIBUTION_PERCENTILES, then at 100% (the max). */
export function distribution(h: Histogram): [percentile: number, us: number][] {
  if (h.totalCount === 0) return [];
  // A percentile reads as its bucket's top, which can pass the exact max.
  const out: [number, number][] = DISTRIBUTION_PERCENTILES.map((p) => [p, Math.min(h.getValueAtPercentile(p), h.maxValue)]);
  out.push([100, h.maxValue]);
  return out;
}

/** The least-squares slope of y over x (NaN with fewer than two distinct x). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}
