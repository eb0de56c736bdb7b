import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@pkgindex/server-process";
import { metricSum, scrapeMetrics } from "./metrics-text.ts";
import { populate } from "./populate.ts";
import { markdownTable } from "./report.ts";
import type { LoadOptions, LoadPool } from "./run.ts";
import { startPkgindex } from "./server.ts";
import { spread } from "./stats.ts";
import { buildWorkload, type DataSource, loadData } from "./workload.ts";

export interface CommitsRow {
  round: number;
  workers: number;
  sync: string;
  depth: number;
  commitsPerSecond: number;
  /** Commands per I/O worker message; NaN with --workers 0, which has no batches. */
  commandsPerBatch: number;
  commandsPerCommit: number;
}

interface Counters {
  commits: number;
  batches: number;
  batched: number;
  commands: number;
}

async function counters(adminPort: number): Promise<Counters> {
  const text = await scrapeMetrics(adminPort);
  return {
    commits: metricSum(text, "pkgindex_store_commits_total"),
    batches: metricSum(text, "pkgindex_state_batch_commands_count"),
    batched: metricSum(text, "pkgindex_state_batch_commands_sum"),
    commands: metricSum(text, "pkgindex_commands_total"),
  };
}

/**
 * Group commit under churn: for each layout, --sync and depth, pkgindex
 * (SQLite) is populated and churned briefly, then its own counters are read
 * around one pipelined run of the write-heavy mix. Rates are over the whole
 * measured run, its warm-up included. (The throughput ratios of these
 * layouts belong to `bench compare`; this reads the store's counters.)
 */
export async function runCommits(
  pool: LoadPool,
  o: { modes: number[]; syncs: string[]; depths: number[]; connections: number; durationMs: number; rounds: number; log: (row: CommitsRow) => void },
): Promise<CommitsRow[]> {
  const source: DataSource = { packages: 10_000, dataSeed: 1 };
  const workload = buildWorkload(loadData(source), 0.5);
  const rows: CommitsRow[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const workers of o.modes) {
      for (const sync of o.syncs) {
        for (const depth of o.depths) {
          const adminPort = await freePort();
          const dataDir = mkdtempSync(path.join(os.tmpdir(), `bench-commits-w${workers}-${sync}-`));
          const server = await startPkgindex(["--admin-host", "127.0.0.1", "--admin-port", String(adminPort), "--workers", String(workers), "--store", "sqlite", "--sync", sync, "--data-dir", dataDir]);
          try {
            const load: LoadOptions = { host: "127.0.0.1", port: server.port, connections: o.connections, depth, mix: "write-heavy", malformed: 0, seed: 1, source, indexedShare: 0.5, durationMs: 200, warmupMs: 0 };
            await populate("127.0.0.1", server.port, workload);
            await pool.run(load);
            const before = await counters(adminPort);
            const t0 = performance.now();
            await pool.run({ ...load, durationMs: o.durationMs, warmupMs: 500 });
            const seconds = (performance.now() - t0) / 1000;
            const after = await counters(adminPort);
            const commits = after.commits - before.commits;
            const batches = after.batches - before.batches;
            const row: CommitsRow = {
              round,
              workers,
              sync,
              depth,
              commitsPerSecond: commits / seconds,
              commandsPerBatch: batches > 0 ? (after.batched - before.batched) / batches : Number.NaN,
              commandsPerCommit: commits > 0 ? (after.commands - before.commands) / commits : Number.NaN,
            };
            rows.push(row);
            o.log(row);
          } finally {
            await server.stop();
            rmSync(dataDir, { recursive: true, force: true });
          }
        }
      }
    }
  }
  return rows;
}

/** The median of the rounds, then their min–max when there are several. */
function cell(values: number[], digits: number): string {
  const s = spread(values);
  if (s.n === 0) return "–";
  return s.n > 1 ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : s.median.toFixed(digits);
}

/** One row per layout, --sync and depth, over its rounds. */
export function commitsTable(rows: readonly CommitsRow[]): string {
  const keys = [...new Map(rows.map((r) => [`${r.workers}|${r.sync}|${r.depth}`, r])).values()];
  return markdownTable(
    ["layout", "--sync", "depth", "commits/s", "commands per batch", "commands per commit"],
    keys.map((k) => {
      const mine = rows.filter((r) => r.workers === k.workers && r.sync === k.sync && r.depth === k.depth);
      return [`w${k.workers}`, k.sync, String(k.depth), cell(mine.map((r) => r.commitsPerSecond), 0), cell(mine.map((r) => r.commandsPerBatch), 1), cell(mine.map((r) => r.commandsPerCommit), 1)];
    }),
    2,
  );
}
