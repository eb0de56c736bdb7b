import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDag } from "@pkgindex/harness";
import { describe, expect, it, vi } from "vitest";
import { EXIT_OK, main } from "../src/cli.ts";
import { buildWorkload, closedShapes, compare, type LoadOptions, type LoadPool, type LoadResult, spread } from "../src/index.ts";

const FIXTURE = path.resolve(fileURLToPath(import.meta.url), "../fixtures/ok-server.mjs");
const fixtureCommand = `${process.execPath} ${FIXTURE} {port}`;

describe("compare", () => {
  it("interleaves modes, rotating their order each round, and takes medians and ratios to the baseline", async () => {
    const calls: { port: number; connections: number; depth: number }[] = [];
    const rpsByCall = [100, 50, 300, 60, 200, 55];
    const stubPool = {
      async run(o: LoadOptions): Promise<LoadResult> {
        const rps = rpsByCall[calls.length];
        calls.push({ port: o.port, connections: o.connections, depth: o.depth });
        return {
          connections: o.connections, depth: o.depth, rate: null, linesPerConnection: null, mix: o.mix, seconds: 1, replies: rps, rps,
          rpsIntervals: spread([rps]), latencyUs: { count: rps, mean: 1, p50: 1, p90: 1, p99: rps, p999: 1, max: 1 }, distributionUs: [],
          connectionsPerSecond: null, connectionIntervals: null,
          ok: rps, fail: 0, error: 0, errors: 0, firstError: null,
          server: {
            pid: o.pid ?? 0, cpuUsPerRequest: 1000 / rps, threads: [{ name: "MainThread", usPerRequest: 500 / rps }], rssKiB: 1024, peakRssKiB: 1024,
            cpuUsPerConnection: null, cpuSeconds: 1, rss: { startMiB: 1, peakMiB: 1, endMiB: 1, samples: [] },
          },
          benchCpuUsPerRequest: 1,
        };
      },
    } as unknown as LoadPool;
    const result = await compare(stubPool, {
      modes: [{ name: "a", command: fixtureCommand }, { name: "b", command: fixtureCommand }],
      shapes: closedShapes([3], [1]),
      rounds: 3,
      baseline: "a",
      workload: buildWorkload(generateDag({ packages: 50, seed: 1 })),
      load: { mix: "mixed", malformed: 0, seed: 1, durationMs: 1, warmupMs: 0, source: { packages: 50, dataSeed: 1 }, indexedShare: 0.5 },
    });
    const [portA, portB] = [calls[0].port, calls[1].port];
    expect(portA).not.toBe(portB);
    // Round 1: a b; round 2: b a; round 3: a b.
    expect(calls.map((c) => (c.port === portA ? "a" : "b"))).toEqual(["a", "b", "b", "a", "a", "b"]);
    const a = result.summaries.find((s) => s.mode === "a")!;
    const b = result.summaries.find((s) => s.mode === "b")!;
    // a got 100, 60, 200 -> median 100; b got 50, 300, 55 -> median 55.
    expect(a.rps).toBe(100);
    expect(b.rps).toBe(55);
    expect(a.rpsRatio).toBe(1);
    expect(b.rpsRatio).toBeCloseTo(0.55);
    expect(b.cpuRatio).toBeCloseTo(10 / 55 / (10 / 100));
    expect(a.ownerUsPerRequest).toBe(5);
    expect(a.rounds).toHaveLength(3);
    // The spread of the rounds beside the medians: b's rounds were 50, 300 and 55.
    expect(b.spread.rps).toMatchObject({ n: 3, min: 50, median: 55, max: 300 });
    expect(b.spread.rps.relative).toBeCloseTo(250 / 55);
  });

  it("runs end to end: pkgindex --workers 0 beside an external server, with a report", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-compare-"));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const code = await main([
        "compare", "--workers", "0", "--external", `fake=${fixtureCommand}`, "--connections", "1,4", "--depth", "1,4",
        "--rounds", "2", "--duration", "0.2", "--warmup", "0.05", "--packages", "300", "--report", dir, "--json",
      ]);
      // Rounds of 0.2 s on a shared machine may disagree: warnings are allowed, nothing else.
      expect(error.mock.calls.filter((c) => !String(c[0]).startsWith("warning: "))).toEqual([]);
      expect(code).toBe(EXIT_OK);
      const out = JSON.parse(String(log.mock.calls.at(-1)![0]));
      expect(out.baseline).toBe("pkgindex-w0");
      expect(out.summaries).toHaveLength(8);
      for (const s of out.summaries) {
        expect(s.rounds).toHaveLength(2);
        expect(s.rps).toBeGreaterThan(0);
        expect(s.cpuUsPerRequest).toBeGreaterThan(0);
        expect(s.errors).toBe(0);
      }
      expect(out.summaries.filter((s: { mode: string }) => s.mode === "pkgindex-w0").map((s: { rpsRatio: number }) => s.rpsRatio)).toEqual([1, 1, 1, 1]);
      expect(out.command).toContain("pnpm bench compare --workers 0");
      for (const f of ["report.md", "throughput-d1.svg", "throughput-d4.svg", "p99-d1.svg", "p99-d4.svg", "latency-c1-d4.svg"]) expect(existsSync(path.join(dir, f))).toBe(true);
      expect(out.facts.machine.cores).toBeGreaterThan(0);
      expect(out.facts.commit).toMatch(/^[0-9a-f]{7,}(\+dirty)?$|^unknown$/);
      expect(readFileSync(path.join(dir, "report.md"), "utf8")).toContain("## 4 connections, depth 4");
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
