import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CompareResult, LoadResult, ModeSummary } from "../src/index.ts";
import { doublingSteps, findKnee, lineChart, writeReport } from "../src/index.ts";

const step = (connections: number, rps: number): LoadResult =>
  ({ connections, rps, latencyUs: { p99: 1000 } }) as unknown as LoadResult;

describe("ramp", () => {
  it("doubles connections up to the maximum", () => {
    expect(doublingSteps(1)).toEqual([1]);
    expect(doublingSteps(16)).toEqual([1, 2, 4, 8, 16]);
    expect(doublingSteps(100)).toEqual([1, 2, 4, 8, 16, 32, 64, 100]);
  });

  it("finds the fewest connections within 10% of the peak throughput", () => {
    expect(findKnee([step(1, 10_000), step(2, 19_000), step(4, 30_000), step(8, 31_000), step(16, 30_500)])).toBe(2);
    // One noisy dip early does not end the search.
    expect(findKnee([step(1, 10_000), step(2, 8_000), step(4, 30_000), step(8, 31_000)])).toBe(2);
    expect(findKnee([step(1, 10_000), step(2, 20_000), step(4, 40_000)])).toBe(2);
  });
});

describe("lineChart", () => {
  it("draws one line and legend entry per series, skipping missing points", () => {
    const svg = lineChart({
      title: "Throughput & <depth>",
      xLabel: "connections",
      yLabel: "rps",
      xs: [10, 100, 1000],
      series: [
        { name: "pkgindex-w0", values: [1000, 2000, 2500] },
        { name: "goref", values: [900, Number.NaN, 2600] },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("Throughput &amp; &lt;depth&gt;");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain(">pkgindex-w0<");
    expect(svg).toContain(">goref<");
    expect(svg).toContain(">1000<");
    expect(svg).not.toContain("NaN");
  });
});

function summary(mode: string, connections: number, depth: number, rps: number): ModeSummary {
  return { mode, connections, depth, rounds: [], rps, p99Us: 1500, p50Us: 300, cpuUsPerRequest: 10, ownerUsPerRequest: 5, rssMiB: 80, benchUsPerRequest: 3, errors: 0, rpsRatio: 1, cpuRatio: 1 };
}

describe("writeReport", () => {
  it("writes report.md with a table per configuration and two charts per depth", () => {
    const result: CompareResult = {
      modes: [{ name: "a", command: `${process.execPath} x` }, { name: "b", command: "/tmp/b -addr 127.0.0.1:1234" }],
      baseline: "a",
      rounds: 3,
      summaries: [summary("a", 10, 1, 100), summary("b", 10, 1, 90), summary("a", 100, 1, 200), summary("b", 100, 1, 150), summary("a", 10, 8, 400), summary("b", 10, 8, 380)],
    };
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-report-"));
    const md = writeReport(dir, result, { command: "pnpm bench compare --rounds 3", mix: "mixed", durationS: 3, warmupS: 1 });
    expect(readdirSync(dir).toSorted()).toEqual(["p99-d1.svg", "p99-d8.svg", "report.md", "throughput-d1.svg", "throughput-d8.svg"]);
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toBe(md);
    expect(md).toContain("pnpm bench compare --rounds 3");
    expect(md).toContain("## 100 connections, depth 1");
    expect(md).toContain("| a | 200 | 1.00× |");
    expect(md).toContain("![throughput, depth 8](throughput-d8.svg)");
    expect(md).toContain("- **a**: `node x`");
  });
});
