import { describe, expect, it } from "vitest";
import { distribution, encodeHistogram, median, mergeHistograms, newHistogram, percentile, rssSlope, slope, spread, summarize } from "../src/index.ts";
import { DISTRIBUTION_PERCENTILES } from "../src/stats.ts";

describe("percentile and median on exact samples", () => {
  it("uses the nearest rank", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    median(values);
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("latency histograms", () => {
  it("give the percentiles of 1..10000 µs within 0.1%", () => {
    const h = newHistogram();
    for (let v = 1; v <= 10_000; v++) h.recordValue(v);
    const s = summarize(h);
    expect(s.count).toBe(10_000);
    for (const [got, want] of [[s.p50, 5000], [s.p90, 9000], [s.p99, 9900], [s.p999, 9990], [s.max, 10_000]]) {
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.001);
    }
    expect(s.mean).toBeCloseTo(5000.5, -1);
  });

  it("put a long tail where it belongs: 99 fast, 1 slow", () => {
    const h = newHistogram();
    for (let i = 0; i < 99; i++) h.recordValue(100);
    h.recordValue(50_000);
    const s = summarize(h);
    expect(s.p50).toBe(100);
    expect(s.p99).toBe(100);
    expect(Math.abs(s.p999 - 50_000) / 50_000).toBeLessThanOrEqual(0.001);
  });

  it("merge after encoding as if recorded in one", () => {
    const a = newHistogram();
    const b = newHistogram();
    const all = newHistogram();
    for (let v = 1; v <= 2000; v++) {
      (v % 3 === 0 ? a : b).recordValue(v * 7);
      all.recordValue(v * 7);
    }
    const merged = summarize(mergeHistograms([encodeHistogram(a), encodeHistogram(b)]));
    const direct = summarize(all);
    expect(merged.count).toBe(direct.count);
    // Equal up to the histogram's resolution (a decoded max is its bucket's top).
    for (const k of ["mean", "p50", "p90", "p99", "p999", "max"] as const) {
      expect(Math.abs(merged[k] - direct[k]) / direct[k]).toBeLessThanOrEqual(0.001);
    }
  });

  it("summarize an empty histogram as zeros", () => {
    expect(summarize(newHistogram())).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});

describe("spread", () => {
  it("gives the five-number summary and the range relative to the median", () => {
    expect(spread([110, 100, 90, 120, 95])).toEqual({ n: 5, min: 90, q1: 95, median: 100, q3: 110, max: 120, relative: 0.3 });
  });

  it("leaves out figures a server does not have, and is all NaN with none", () => {
    expect(spread([Number.NaN, 4, 6])).toMatchObject({ n: 2, min: 4, median: 5, max: 6 });
    const none = spread([Number.NaN]);
    expect(none.n).toBe(0);
    expect(none.median).toBeNaN();
  });

  it("calls a zero median with any range infinitely spread, and equal zeros not at all", () => {
    expect(spread([0, 0, 1]).relative).toBe(Number.POSITIVE_INFINITY);
    expect(spread([0, 0]).relative).toBe(0);
  });
});

describe("distribution", () => {
  it("reads the histogram at HDR-style percentiles, four per decade, then the max", () => {
    expect(DISTRIBUTION_PERCENTILES.slice(0, 5)).toEqual([0, 43.76587, 68.37722, 82.21721, 90]);
    expect(DISTRIBUTION_PERCENTILES.at(-1)).toBe(99.999);
    const h = newHistogram();
    for (let v = 1; v <= 100_000; v++) h.recordValue(v);
    const d = distribution(h);
    expect(d).toHaveLength(DISTRIBUTION_PERCENTILES.length + 1);
    expect(d.at(-1)![0]).toBe(100);
    const at = (p: number): number => d.find(([q]) => q === p)![1];
    for (const [p, want] of [[90, 90_000], [99, 99_000], [99.9, 99_900]]) expect(Math.abs(at(p) - want) / want).toBeLessThanOrEqual(0.001);
    // Never decreasing.
    for (let i = 1; i < d.length; i++) expect(d[i][1]).toBeGreaterThanOrEqual(d[i - 1][1]);
    expect(distribution(newHistogram())).toEqual([]);
  });
});

describe("slope", () => {
  it("fits a least-squares line", () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(slope([[0, 10], [1, 12], [2, 10], [3, 12]])).toBeCloseTo(0.4);
    expect(slope([[1, 1]])).toBeNaN();
    expect(slope([[1, 1], [1, 2]])).toBeNaN();
  });

  it("gives a soak's RSS slope per minute from the settle time on", () => {
    // 100 MiB flat for the first minute's start-up climb aside, then +1 MiB every 30 s.
    const samples: [number, number][] = [[0, 40], [30, 90], ...Array.from({ length: 20 }, (_, k): [number, number] => [60 + 30 * k, 100 + k])];
    expect(rssSlope(samples, 60)).toBeCloseTo(2);
    expect(rssSlope(samples, 0)).toBeGreaterThan(2);
  });
});
