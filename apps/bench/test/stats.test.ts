import { describe, expect, it } from "vitest";
import { encodeHistogram, median, mergeHistograms, newHistogram, percentile, summarize } from "../src/index.ts";

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
