import { describe, expect, it } from "vitest";
import { Rng } from "../src/index.ts";

function seq(seed: number, stream = 0): number[] {
  const r = new Rng(seed, stream);
  return Array.from({ length: 8 }, () => r.u32());
}

describe("Rng", () => {
  it("repeats a sequence for a seed and stream, and differs across them", () => {
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
    expect(seq(1, 0)).not.toEqual(seq(1, 1));
  });

  it("stays in range and is roughly uniform", () => {
    const r = new Rng(42);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const v = r.int(10);
      expect(v >= 0 && v < 10).toBe(true);
      buckets[v]++;
    }
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(250);
    let hits = 0;
    for (let i = 0; i < 20000; i++) if (r.percent(5)) hits++;
    expect(hits).toBeGreaterThan(800);
    expect(hits).toBeLessThan(1200);
    expect(new Rng(1).percent(0)).toBe(false);
  });

  it("shuffles to a permutation", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Rng(3).shuffle(items.slice());
    expect(shuffled.toSorted((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });
});
