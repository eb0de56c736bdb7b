import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CompareResult, LoadResult, ModeSummary, RunFacts } from "../src/index.ts";
import { doublingSteps, findKnee, lineChart, spread, writeReport } from "../src/index.ts";
import { svgProblems } from "./support/svg.ts";

const FACTS: RunFacts = { commit: "abc1234", date: "2026-12-03T12:00:00Z", machine: { cpuModel: "Test CPU", cores: 2, kernel: "Linux 6", node: "24.0.0", loadavg1: 0.5 }, rounds: 3, durationS: 3, warmupS: 1 };

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
        { name: "pkgindex-w0", values: [1000, 2000, 2500], lo: [900, 1900, 2400], hi: [1100, 2100, 2500] },
        { name: "goref", values: [900, Number.NaN, 2600] },
      ],
      facts: "3 rounds × 3s · commit abc1234",
    });
    expect(svgProblems(svg)).toEqual([]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("Throughput &amp; &lt;depth&gt;");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain(">pkgindex-w0<");
    expect(svg).toContain(">goref<");
    expect(svg).toContain(">1000<");
    expect(svg).not.toContain("NaN");
    // Bars where lo < hi: each of pkgindex-w0's three points; goref has none.
    expect(svg.match(/class="error-bar"/g)).toHaveLength(3);
    expect(svg).toContain('class="facts"');
    expect(svg).toContain("commit abc1234");
  });
});

/** A round whose latencies are `scale` times a base distribution. */
function round(rps: number, scale: number): LoadResult {
  const dist: [number, number][] = [[0, 50], [50, 300], [90, 800], [99, 1500], [99.9, 3000], [99.99, 5000], [100, 9000]];
  return { rps, latencyUs: { count: 100_000, mean: 400, p50: 300, p90: 800, p99: 1500, p999: 3000, max: 9000 }, distributionUs: dist.map(([p, us]) => [p, us * scale]) } as unknown as LoadResult;
}

function summary(mode: string, connections: number, depth: number, rps: number): ModeSummary {
  const rounds = [round(rps * 0.9, 1.2), round(rps, 1), round(rps * 1.05, 0.9)];
  return {
    mode, connections, depth, rate: null, rounds, rps, p99Us: 1500, p50Us: 300, cpuUsPerRequest: 10, ownerUsPerRequest: 5, rssMiB: 80, benchUsPerRequest: 3, errors: 0, rpsRatio: 1, cpuRatio: 1,
    spread: { rps: spread(rounds.map((r) => r.rps)), p50Us: spread([300, 300, 310]), p99Us: spread([1400, 1500, 1700]), cpuUsPerRequest: spread([9, 10, 11]) },
  };
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
    const md = writeReport(dir, result, { command: "pnpm bench compare --rounds 3", mix: "mixed", facts: FACTS, warnings: ["warning: c=10 d=1 b: rps of 3 rounds disagree by 15%"] });
    expect(readdirSync(dir).toSorted()).toEqual(["latency-c10-d1.svg", "latency-c10-d8.svg", "latency-c100-d1.svg", "p99-d1.svg", "p99-d8.svg", "report.md", "throughput-d1.svg", "throughput-d8.svg"]);
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".svg"))) {
      const svg = readFileSync(path.join(dir, f), "utf8");
      // Every chart is well-formed and carries the run's facts and its bars.
      const missing = ["commit abc1234", "2 cores, Test CPU", "3 rounds × 3s", 'class="error-bar"'].filter((want) => !svg.includes(want));
      expect({ f, problems: svgProblems(svg), missing }).toEqual({ f, problems: [], missing: [] });
    }
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toBe(md);
    expect(md).toContain("pnpm bench compare --rounds 3");
    expect(md).toContain("## 100 connections, depth 1");
    // Median, then the rounds' min–max.
    expect(md).toContain("| a | 200 | 180–210 | 1.00× |");
    expect(md).toContain("| 1,500µs | 1,400µs–1,700µs | 10.0 | 9.0–11.0 |");
    expect(md).toContain("- warning: c=10 d=1 b: rps of 3 rounds disagree by 15%");
    expect(md).toContain("Run facts: 3 rounds × 3s (after 1s warm-up) · 2 cores, Test CPU · Node 24.0.0 · commit abc1234 · 2026-12-03 12:00 UTC.");
    expect(md).toContain("![latency distribution, c=100 d=1](latency-c100-d1.svg)");
    expect(md).toContain("![throughput, depth 8](throughput-d8.svg)");
    expect(md).toContain("- **a**: `node x`");
  });
});
