import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { commitsTable } from "../src/commits.ts";
import { rssTable } from "../src/rss.ts";
import { generatedDeps, generatedName } from "../src/generated-index.ts";
import { metricSum } from "../src/metrics-text.ts";
import { main } from "../src/cli.ts";
import { LoadPool } from "../src/run.ts";
import { startupTable } from "../src/startup.ts";
import { runTlsBench, tlsTable } from "../src/tls-bench.ts";
import { parseLoad, yardstickTable } from "../src/yardsticks.ts";

const FIXTURES = path.resolve(fileURLToPath(import.meta.url), "../fixtures");

// Started by this node itself: by its shebang it would run under pnpm's
// node wrapper, whose child outlives the SIGTERM that stops the wrapper.
const FAKE_YARDSTICK = `${process.execPath} ${path.join(FIXTURES, "fake-yardstick.mjs")}`;

describe("metricSum", () => {
  const text = [
    "# HELP pkgindex_commands_total commands",
    'pkgindex_commands_total{command="INDEX"} 3',
    'pkgindex_commands_total{command="QUERY"} 4',
    "pkgindex_commands_total_extra 100",
    'pkgindex_thread_cpu_seconds_total{role="state-owner"} 0.5',
    'pkgindex_thread_cpu_seconds_total{role="io-worker"} 2',
    "pkgindex_store_commits_total 7",
  ].join("\n");

  it("sums a family's series, not a longer family's that starts with its name", () => {
    expect(metricSum(text, "pkgindex_commands_total")).toBe(7);
    expect(metricSum(text, "pkgindex_store_commits_total")).toBe(7);
    expect(metricSum(text, "pkgindex_missing")).toBe(0);
  });

  it("keeps only the series with the label asked for", () => {
    expect(metricSum(text, "pkgindex_thread_cpu_seconds_total", 'role="state-owner"')).toBe(0.5);
  });
});

describe("the generated index", () => {
  it("depends only on earlier packages, so every prefix can be indexed in order", () => {
    for (let i = 0; i < 500; i++) {
      for (const dep of generatedDeps(i)) expect(Number(dep.slice("lib-package-".length))).toBeLessThan(i);
    }
    expect(generatedDeps(4)).toEqual([]);
    expect(generatedDeps(100)).toEqual(["lib-package-84", "lib-package-77", "lib-package-70", "lib-package-56", "lib-package-35"]);
    expect(generatedName(7)).toBe("lib-package-7");
  });
});

const commitsRow = (round: number, commitsPerSecond: number, commandsPerBatch: number) => ({ round, workers: 2, sync: "normal", depth: 8, commitsPerSecond, commandsPerBatch, commandsPerCommit: 10 });
const rssRow = (label: string, round: number, after: number) => ({ label, round, packages: 10, ok: 10, rssBeforeMiB: 40, rssAfterMiB: after, rssAnonAfterMiB: after - 20, rssFileAfterMiB: 20 });

describe("report tables", () => {
  it("commits: a dash where a layout has no batches", () => {
    expect(commitsTable([{ round: 1, workers: 0, sync: "full", depth: 8, commitsPerSecond: 370.4, commandsPerBatch: Number.NaN, commandsPerCommit: 491.26 }])).toBe(
      ["| layout | --sync | depth | commits/s | commands per batch | commands per commit |", "|---|---|---:|---:|---:|---:|", "| w0 | full | 8 | 370 | – | 491.3 |"].join("\n"),
    );
  });

  it("commits: the median of the rounds with their min–max", () => {
    expect(commitsTable([commitsRow(1, 300, 4), commitsRow(2, 360, 5), commitsRow(3, 330, 6)]).split("\n")[2]).toBe("| w2 | normal | 8 | 330 (300–360) | 5.0 (4.0–6.0) | 10.0 (10.0–10.0) |");
  });

  it("rss: one row per server, the median of its rounds with their min–max", () => {
    expect(rssTable([rssRow("goref", 1, 50), rssRow("pkgindex-w0", 1, 80), rssRow("goref", 2, 54), rssRow("pkgindex-w0", 2, 90), rssRow("goref", 3, 52), rssRow("pkgindex-w0", 3, 85)]).split("\n").slice(2)).toEqual([
      "| goref | 40.0 MiB (40.0–40.0) | 52.0 MiB (50.0–54.0) | 32.0 MiB (30.0–34.0) | 20.0 MiB (20.0–20.0) |",
      "| pkgindex-w0 | 40.0 MiB (40.0–40.0) | 85.0 MiB (80.0–90.0) | 65.0 MiB (60.0–70.0) | 20.0 MiB (20.0–20.0) |",
    ]);
    expect(rssTable([rssRow("goref", 1, 50)]).split("\n")[2]).toBe("| goref | 40.0 MiB | 50.0 MiB | 30.0 MiB | 20.0 MiB |");
  });

  it("startup: one row per layout with its rounds in order", () => {
    const runs = [
      { workers: 0, millis: 1110, loadedMillis: 840 },
      { workers: 3, millis: 1180, loadedMillis: 670 },
      { workers: 0, millis: 750, loadedMillis: 580 },
    ];
    expect(startupTable(runs).split("\n").slice(2)).toEqual(["| `--workers 0` | 1.11 / 0.75 s | 0.84 / 0.58 s |", "| `--workers 3` | 1.18 s | 0.67 s |"]);
  });

  it("yardsticks: medians over rounds and ratios to every reference that ran", () => {
    const loads = [parseLoad("c100d1mixed")!];
    expect(loads[0]).toEqual({ key: "c100d1mixed", connections: 100, depth: 1, mix: "mixed" });
    expect(parseLoad("100d1")).toBeNull();
    const results = [
      { label: "goref", load: "c100d1mixed", rps: 100, p99: 10, cpu: 10 },
      { label: "goref", load: "c100d1mixed", rps: 300, p99: 30, cpu: 10 },
      { label: "pkgindex-w0", load: "c100d1mixed", rps: 50, p99: 5, cpu: 20, commitsPerSec: 0 },
      { label: "pkgindex-w0", load: "c100d1mixed", rps: 150, p99: 5, cpu: 20, commitsPerSec: 0 },
    ];
    const rows = yardstickTable(["goref", "pkgindex-w0"], loads, results).split("\n");
    expect(rows[0]).toBe("| load | server | rps | rps min–max | p99 µs | p99 min–max | server CPU µs/req | CPU min–max | state-owner CPU µs/req | avg batch | commits/s | rps / goref | CPU / goref |");
    expect(rows.slice(2)).toEqual([
      "| c100d1mixed | goref | 200 | 100–300 | 20 | 10–30 | 10.0 | 10.0–10.0 | – | – | – | 1.00 | 1.00 |",
      "| c100d1mixed | pkgindex-w0 | 100 | 50–150 | 5 | 5–5 | 20.0 | 20.0–20.0 | – | – | 0 | 0.50 | 2.00 |",
    ]);
  });
});

describe("bench yardsticks", () => {
  it("runs loadgen against every server once per round and prints the table, pkgindex's own counters included", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const code = await main([
        "yardsticks", "--rounds", "2", "--modes", "1", "--loads", "c2d3mixed", "--duration", "1s",
        "--loadgen", path.join(FIXTURES, "fake-loadgen.mjs"), "--goref", FAKE_YARDSTICK, "--okserver", FAKE_YARDSTICK,
      ]);
      expect(code).toBe(0);
      const printed = log.mock.calls.map((c) => String(c[0]));
      const runs = printed.filter((l) => l.startsWith('{"round"')).map((l) => JSON.parse(l) as { round: number; label: string });
      expect(runs.map((r) => `${r.round} ${r.label}`)).toEqual(["1 goref", "1 okserver", "1 pkgindex-w1", "2 goref", "2 okserver", "2 pkgindex-w1"]);
      const table = printed.at(-1)!.trim().split("\n");
      expect(table[2]).toBe("| c2d3mixed | goref | 2000 | 2000–2000 | 50 | 50–50 | 3.0 | 3.0–3.0 | – | – | – | 1.00 | 1.00 | 1.00 | 1.00 |");
      // 4 commands a run, one worker batching them; memory store: no commits.
      expect(table[4]).toMatch(/^\| c2d3mixed \| pkgindex-w1 \| 2000 \| 2000–2000 \| 50 \| 50–50 \| 3\.0 \| 3\.0–3\.0 \| \d+\.\d\d \| \d+\.\d \| 0 \| 1\.00 \| 1\.00 \| 1\.00 \| 1\.00 \|$/);
      // The run's facts come first: commit and machine.
      expect(JSON.parse(printed[0]).facts.machine.cores).toBeGreaterThan(0);
    } finally {
      log.mockRestore();
    }
  });
});

const round = (workers: number, h: number, rps: number) => ({
  label: `tls w${workers}`,
  handshakesPerSec: h,
  cpuUsPerHandshake: 800,
  steady: [{ depth: 8, rps, cpuUsPerRequest: 10, threads: [] }],
  handshakeThreads: [],
});

describe("bench tls", () => {
  it("tables medians with min–max per layout", () => {
    expect(tlsTable([round(0, 100, 1000), round(3, 300, 4000), round(0, 120, 1200), round(3, 200, 3000), round(0, 110, 1100), round(3, 250, 3500)])).toBe(
      [
        "| server | connections/s | srv µs/connection | rps d8 | srv µs/req d8 |",
        "|---|---:|---:|---:|---:|",
        "| tls w0 | 110 (100–120) | 800 (800–800) | 1100 (1000–1200) | 10.0 (10.0–10.0) |",
        "| tls w3 | 250 (200–300) | 800 (800–800) | 3500 (3000–4000) | 10.0 (10.0–10.0) |",
      ].join("\n"),
    );
  });

  it("measures handshakes and steady load over TLS against a real server", async () => {
    const pool = new LoadPool(1);
    try {
      const rows = await runTlsBench(pool, { modes: [0], rounds: 1, depths: [1], durationMs: 300, handshakeLoops: 4, plain: true, haproxy: true, log: () => undefined });
      expect(rows.map((r) => r.label)).toEqual(["tls w0", "plain w0", "haproxy-tls → plain w0"]);
      for (const r of rows) {
        expect(r.handshakesPerSec).toBeGreaterThan(0);
        expect(r.cpuUsPerHandshake).toBeGreaterThan(0);
        expect(r.steady[0].rps).toBeGreaterThan(0);
      }
      // HAProxy's own CPU counts as server CPU in its variant.
      expect(rows[2].handshakeThreads.some(([name]) => name.startsWith("haproxy"))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
