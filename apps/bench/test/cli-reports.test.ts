import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@pkgindex/server-process";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT_OK, EXIT_REGRESSION, main } from "../src/cli.ts";
import { svgProblems } from "./support/svg.ts";

// The real server, as users run it: the built CLI over TCP.
const REPO = path.resolve(fileURLToPath(import.meta.url), "../../../..");
const DIST = path.join(REPO, "apps/server/dist/pkgindex.js");
const PKGINDEX = `${process.execPath} ${DIST} serve --host 127.0.0.1 --port {port} --admin-port 0 --log-level warn --workers 0 --store memory`;
const FIXTURE = `${process.execPath} ${path.resolve(fileURLToPath(import.meta.url), "../fixtures/ok-server.mjs")} {port}`;

let log: ReturnType<typeof vi.spyOn>;
let error: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  log = vi.spyOn(console, "log").mockImplementation(() => {});
  error = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  log.mockRestore();
  error.mockRestore();
});

/** The last JSON document printed: read as the bench wrote it. */
const lastJson = (): ReturnType<typeof JSON.parse> => JSON.parse(String(log.mock.calls.at(-1)![0]));
/** stderr lines other than spread warnings (tiny runs on a shared machine may well disagree). */
const errorsBesideWarnings = (): string[] => error.mock.calls.map((c: unknown[]) => String(c[0])).filter((l: string) => !l.startsWith("warning: "));
const tmp = (name: string): string => mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));

describe("bench run --pattern churn against pkgindex", () => {
  it("reports new connections per second, server CPU per connection, RSS start/peak/end and an RSS chart", async () => {
    expect(existsSync(DIST)).toBe(true);
    const chart = path.join(tmp("churn"), "rss.svg");
    const code = await main(["--start", PKGINDEX, "--pattern", "churn", "--connections", "3", "--lines", "2", "--duration", "1", "--warmup", "0.2", "--packages", "300", "--json", "--rss-chart", chart]);
    expect(errorsBesideWarnings()).toEqual([]);
    expect(code).toBe(EXIT_OK);
    const out = lastJson();
    expect(out.facts.machine).toMatchObject({ cores: os.cpus().length, node: process.versions.node, kernel: `${os.type()} ${os.release()}` });
    expect(out.facts.commit).toMatch(/^([0-9a-f]{7,}(\+dirty)?|unknown)$/);
    const r = out.results[0];
    expect(r.linesPerConnection).toBe(2);
    expect(r.errors).toBe(0);
    expect(r.connectionsPerSecond).toBeGreaterThan(50);
    expect(r.server.cpuUsPerConnection).toBeGreaterThan(0);
    expect(r.server.cpuSeconds).toBeGreaterThan(0);
    const rss = r.server.rss;
    expect(rss.startMiB).toBeGreaterThan(10);
    expect(rss.peakMiB).toBeGreaterThanOrEqual(Math.max(rss.startMiB, rss.endMiB));
    expect(rss.samples.length).toBeGreaterThan(5);
    const svg = readFileSync(chart, "utf8");
    expect(svgProblems(svg)).toEqual([]);
    expect(svg).toContain("churn c=3 lines=2");
  });
});

describe("bench sweep against pkgindex", () => {
  it("sends each rate open-loop, interleaved rounds, and writes the latency-vs-throughput and distribution charts", async () => {
    const dir = tmp("sweep");
    const code = await main(["sweep", "--workers", "", "--external", `pkgindex=${PKGINDEX}`, "--rates", "500..2000", "--steps", "2", "--connections", "4", "--rounds", "2", "--duration", "0.5", "--warmup", "0.1", "--packages", "300", "--report", dir, "--json"]);
    expect(errorsBesideWarnings()).toEqual([]);
    expect(code).toBe(EXIT_OK);
    const out = lastJson();
    expect(out.summaries.map((s: { rate: number }) => s.rate)).toEqual([500, 2000]);
    for (const s of out.summaries) {
      expect(s.rounds).toHaveLength(2);
      // Open loop: what is achieved is what was sent, when the server keeps up.
      expect(Math.abs(s.rps - s.rate) / s.rate).toBeLessThan(0.2);
      expect(s.spread.p99Us.n).toBe(2);
      expect(s.rounds[0].distributionUs.length).toBeGreaterThan(5);
    }
    for (const f of ["latency-vs-throughput.svg", "latency-distribution-pkgindex.svg"]) {
      const text = readFileSync(path.join(dir, f), "utf8");
      expect({ f, problems: svgProblems(text), facts: text.includes("2 rounds × 0.5s") }).toEqual({ f, problems: [], facts: true });
    }
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toContain("pnpm bench sweep --workers '' --external");
  });
});

describe("bench soak against pkgindex", () => {
  it("runs steady load and churn at once and reports RSS start, peak, end and the slope after settling", async () => {
    const dir = tmp("soak");
    const code = await main(["soak", "--workers", "", "--external", `pkgindex=${PKGINDEX}`, "--connections", "4", "--depth", "2", "--churn-clients", "1", "--duration", "2", "--warmup", "0.2", "--settle", "0.5", "--packages", "300", "--report", dir, "--json"]);
    expect(errorsBesideWarnings()).toEqual([]);
    expect(code).toBe(EXIT_OK);
    const run = lastJson().runs[0];
    expect(run.steady.rps).toBeGreaterThan(0);
    expect(run.churn.connectionsPerSecond).toBeGreaterThan(10);
    expect(run.steady.errors + run.churn.errors).toBe(0);
    expect(run.rss.samples.length).toBeGreaterThan(10);
    expect(Number.isFinite(run.rss.slopeMiBPerMinute)).toBe(true);
    expect(run.rss.peakMiB).toBeGreaterThanOrEqual(run.rss.endMiB);
    const svg = readFileSync(path.join(dir, "rss-over-time.svg"), "utf8");
    expect(svgProblems(svg)).toEqual([]);
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toMatch(/\| pkgindex \| [\d,]+ \| [\d,]+–[\d,]+ \|/);
  });
});

describe("--baseline-file and --threshold", () => {
  it("passes against its own figures and fails with exit 4 and one line against a faster baseline", async () => {
    const dir = tmp("baseline");
    const args = ["--start", FIXTURE, "--connections", "2", "--duration", "0.3", "--warmup", "0.05", "--packages", "300", "--json"];
    expect(await main(args)).toBe(EXIT_OK);
    const saved = lastJson();
    const file = path.join(dir, "base.json");
    writeFileSync(file, JSON.stringify(saved));
    // Its own figures (p99 of a 0.3 s run on a busy machine can move a lot, hence the wide threshold).
    expect(await main([...args, "--baseline-file", file, "--threshold", "100000"])).toBe(EXIT_OK);
    // A baseline a hundred times faster than anything this run can reach, and with
    // p99 and CPU no run can be worse than, so rps is the one regression.
    saved.results[0].rps *= 100;
    saved.results[0].latencyUs.p99 = 1e12;
    saved.results[0].server.cpuUsPerRequest = 1e12;
    writeFileSync(file, JSON.stringify(saved));
    error.mockClear();
    expect(await main([...args, "--baseline-file", file, "--threshold", "50"])).toBe(EXIT_REGRESSION);
    expect(errorsBesideWarnings()).toHaveLength(1);
    expect(errorsBesideWarnings()[0]).toMatch(/^pkgindex-bench: regression against .*base\.json: c=2 d=1 rps [\d.]+ vs [\d.]+, 9\d\.\d% worse, over --threshold 50%$/);
  });
});

describe("--port-range", () => {
  it("starts the server on a port of the range", async () => {
    const port = await freePort();
    expect(await main(["--start", FIXTURE, "--port-range", `${port}-${port}`, "--connections", "1", "--duration", "0.2", "--warmup", "0", "--packages", "300", "--json"])).toBe(EXIT_OK);
    expect(lastJson().target).toContain(` ${port}`);
  });
});
