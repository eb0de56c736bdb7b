// Start-up with a large durable index: `pkgindex load` of N packages with
// five dependencies each, then the time from spawning `pkgindex serve` to
// its "listening" log line, layouts alternated, with the "index loaded"
// millis the server reports for reading the database. (The store's part
// alone, open + load without a server: packages/store/bench/load-startup.ts.)
//
//   node scripts/bench-startup.ts [--packages 200000] [--modes 0,3] [--rounds 3]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { SERVER, startServer } from "./support.ts";

const { values } = parseArgs({
  options: {
    packages: { type: "string", default: "200000" },
    modes: { type: "string", default: "0,3" },
    rounds: { type: "string", default: "3" },
  },
});
const count = Number(values.packages);

/** The same shape as scripts/bench-rss.ts: each package depends on five earlier ones. */
function brewLine(i: number): string {
  const deps = new Set<string>();
  if (i >= 5) for (const k of [1, 2, 3, 5, 8]) deps.add(`lib-package-${Math.max(0, i - k * 7 - (i % 13))}`);
  return `lib-package-${i}: ${[...deps].join(" ")}\n`;
}

const work = mkdtempSync(path.join(os.tmpdir(), "pkgindex-startup-"));
try {
  const file = path.join(work, "packages.txt");
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(brewLine(i));
  writeFileSync(file, parts.join(""));
  const dataDir = path.join(work, "data");
  const t0 = performance.now();
  execFileSync(process.execPath, [SERVER, "load", file, "--data-dir", dataDir], { stdio: ["ignore", "ignore", "inherit"] });
  const loadSeconds = (performance.now() - t0) / 1000;
  const dbMiB = statSync(path.join(dataDir, "pkgindex.db")).size / 2 ** 20;
  console.log(`${count} packages; pkgindex load: ${loadSeconds.toFixed(1)} s; database ${dbMiB.toFixed(0)} MiB`);

  const results = new Map<string, { millis: number; loadedMillis: number }[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const w of values.modes.split(",")) {
      const server = await startServer(["--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", w, "--store", "sqlite", "--data-dir", dataDir, "--log-level", "info"]);
      await server.stop();
      results.set(w, [...(results.get(w) ?? []), server]);
    }
  }
  console.log("| layout | start to listening | of which loading the index (`index loaded` `millis`) |");
  console.log("|---|---:|---:|");
  for (const [w, runs] of results) {
    console.log(`| \`--workers ${w}\` | ${runs.map((r) => (r.millis / 1000).toFixed(2)).join(" / ")} s | ${runs.map((r) => (r.loadedMillis / 1000).toFixed(2)).join(" / ")} s |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
