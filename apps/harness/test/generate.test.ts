import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describe as describeData, generateDag, isValidName, parseBrew, toBrew, topoOrder } from "../src/index.ts";

const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

describe("generateDag", () => {
  it("gives the same dataset for the same options", () => {
    const a = generateDag({ packages: 800, seed: 7 });
    const b = generateDag({ packages: 800, seed: 7 });
    expect(toBrew(a)).toBe(toBrew(b));
  });

  it("gives different datasets for different seeds", () => {
    expect(toBrew(generateDag({ packages: 300, seed: 1 }))).not.toBe(toBrew(generateDag({ packages: 300, seed: 2 })));
  });

  it("is stable per seed across releases (a changed digest means old seeds no longer reproduce old runs)", () => {
    expect(digest(toBrew(generateDag({ packages: 500, seed: 1 })))).toBe(GOLDEN_SEED_1);
  });

  it("is acyclic, with valid, unique names and no repeated or self dependencies", () => {
    for (const seed of [1, 2, 3, 99]) {
      const data = generateDag({ packages: 1500, seed });
      expect(() => topoOrder(data)).not.toThrow();
      expect(new Set(data.names).size).toBe(data.names.length);
      expect(data.names.filter((name) => !isValidName(name))).toEqual([]);
      data.deps.forEach((deps, i) => {
        expect(new Set(deps).size).toBe(deps.length);
        expect(deps).not.toContain(i);
      });
    }
  });

  it("looks like Homebrew: ~43% without dependencies, ~6-7 per package, a few very popular packages", () => {
    const data = generateDag({ packages: 5000, seed: 5 });
    const stats = describeData(data);
    expect(stats.roots / stats.packages).toBeGreaterThan(0.38);
    expect(stats.roots / stats.packages).toBeLessThan(0.48);
    expect(stats.edges / stats.packages).toBeGreaterThan(4);
    expect(stats.edges / stats.packages).toBeLessThan(10);
    const indegree = new Int32Array(stats.packages);
    for (const deps of data.deps) for (const d of deps) indegree[d]++;
    expect(Math.max(...indegree)).toBeGreaterThan(stats.packages / 20);
  });

  it("round-trips through the brew format", () => {
    const data = generateDag({ packages: 400, seed: 3 });
    const parsed = parseBrew(toBrew(data));
    const byName = (d: typeof data) => new Map(d.names.map((name, i) => [name, d.deps[i].map((k) => d.names[k]).toSorted()]));
    expect(byName(parsed)).toEqual(byName(data));
  });

  it("handles tiny sizes", () => {
    expect(generateDag({ packages: 0, seed: 1 }).names).toEqual([]);
    const one = generateDag({ packages: 1, seed: 1 });
    expect(one.deps).toEqual([[]]);
  });
});

const GOLDEN_SEED_1 = "4ec6a2ff5b5d991a";
