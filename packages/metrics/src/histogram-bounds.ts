// Fixed bucket upper bounds of the histograms whose counts live in plain
// typed arrays (CommandStats, the GC observer). Fixed so every thread exposes
// the same buckets and the main thread can add them bucket by bucket.
// Changing a bound changes the series.

/** Commands per state-owner batch. */
export const BATCH_SIZE_BOUNDS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** Seconds the state owner spends applying one batch (commit not included). */
export const APPLY_SECONDS_BOUNDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * Seconds from reading a request line to writing its reply: from a few
 * microseconds (answered in the same turn) to a commit or a stalled owner.
 */
export const REQUEST_SECONDS_BOUNDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Seconds of one garbage collection: prom-client's default buckets, so dashboards built for them fit. */
export const GC_SECONDS_BOUNDS: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

/**
 * Index of the bucket `value` falls in: the first bound >= value, or
 * bounds.length (the +Inf overflow bucket). A linear scan from the smallest
 * bound: the common value is small, so it usually stops within a few steps.
 */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  return i;
}
