import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runToCompletion } from "@pkgindex/server-process";
import { generatedDeps, generatedName } from "./generated-index.ts";
import { markdownTable } from "./report.ts";
import { pkgindexEntry, startPkgindex } from "./server.ts";

export interface StartupRun {
  workers: number;
  /** Milliseconds from spawning `pkgindex serve` to its "listening" line. */
  millis: number;
  /** The "index loaded" line's own `millis`: reading the database. */
  loadedMillis: number;
}

/**
 * Start-up with a large durable index: `pkgindex load` of `packages`
 * generated packages, then the time from spawning `pkgindex serve` to its
 * "listening" line, layouts alternated round after round. (The store's part
 * alone, open and load without a server: packages/store/bench/load-startup.ts.)
 */
export async function runStartup(o: { packages: number; modes: number[]; rounds: number; note: (line: string) => void }): Promise<StartupRun[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), "pkgindex-startup-"));
  try {
    const file = path.join(work, "packages.txt");
    const lines: string[] = [];
    for (let i = 0; i < o.packages; i++) lines.push(`${generatedName(i)}: ${generatedDeps(i).join(" ")}\n`);
    writeFileSync(file, lines.join(""));
    const dataDir = path.join(work, "data");
    const t0 = performance.now();
    const load = await runToCompletion(pkgindexEntry(), ["load", file, "--data-dir", dataDir]);
    if (load.code !== 0) throw new Error(`pkgindex load exited ${load.code}: ${load.stderr.trim()}`);
    const loadSeconds = (performance.now() - t0) / 1000;
    const dbMiB = statSync(path.join(dataDir, "pkgindex.db")).size / 2 ** 20;
    o.note(`${o.packages} packages; pkgindex load: ${loadSeconds.toFixed(1)} s; database ${dbMiB.toFixed(0)} MiB`);

    const runs: StartupRun[] = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const workers of o.modes) {
        const started = performance.now();
        const server = await startPkgindex(["--admin-port", "0", "--workers", String(workers), "--store", "sqlite", "--data-dir", dataDir]);
        const millis = performance.now() - started;
        await server.stop();
        const loaded = server.logs.find((l) => l.msg === "index loaded");
        runs.push({ workers, millis, loadedMillis: typeof loaded?.millis === "number" ? loaded.millis : Number.NaN });
      }
    }
    return runs;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function seconds(millis: number[]): string {
  return `${millis.map((ms) => (ms / 1000).toFixed(2)).join(" / ")} s`;
}

/** One row per layout, its rounds in order. */
export function startupTable(runs: readonly StartupRun[]): string {
  const layouts = [...new Set(runs.map((r) => r.workers))];
  return markdownTable(
    ["layout", "start to listening", "of which loading the index (`index loaded` `millis`)"],
    layouts.map((w) => {
      const mine = runs.filter((r) => r.workers === w);
      return [`\`--workers ${w}\``, seconds(mine.map((r) => r.millis)), seconds(mine.map((r) => r.loadedMillis))];
    }),
  );
}
