// Group commit under churn: commits per second and commands per state-owner
// batch for each layout and --sync, from the server's own /metrics around
// one `pkgindex-bench run` of the write-heavy mix (DESIGN.md §6: the ratios
// of throughput belong to `bench compare`; this reads the store's counters).
//
//   node scripts/bench-commits.ts [--modes 0,3] [--syncs full,normal,off] [--depths 1,8] [--duration 3]
//
// Per line: start pkgindex with an admin port, populate with a short run,
// scrape, measure a pipelined run with --no-populate, scrape again. Rates
// are over the whole second run (its start-up and warm-up included).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { metricSum, ROOT, startServer } from "./support.ts";

const BENCH = path.join(ROOT, "apps/bench/dist/cli.js");

const { values } = parseArgs({
  options: {
    modes: { type: "string", default: "0,3" },
    syncs: { type: "string", default: "full,normal,off" },
    depths: { type: "string", default: "1,8" },
    duration: { type: "string", default: "3" },
    connections: { type: "string", default: "100" },
  },
});

async function scrape(adminPort: number): Promise<{ commits: number; batches: number; batched: number; commands: number }> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return {
    commits: metricSum(text, "pkgindex_store_commits_total"),
    batches: metricSum(text, "pkgindex_state_batch_commands_count"),
    batched: metricSum(text, "pkgindex_state_batch_commands_sum"),
    commands: metricSum(text, "pkgindex_commands_total"),
  };
}

function bench(port: number, extra: string[]): void {
  execFileSync(process.execPath, [BENCH, "run", "--port", String(port), "--pattern", "pipelined", "--connections", values.connections, "--mix", "write-heavy", "--json", ...extra], { stdio: ["ignore", "ignore", "inherit"] });
}

console.log("| layout | --sync | depth | commits/s | commands per batch | commands per commit |");
console.log("|---|---|---:|---:|---:|---:|");
let adminPort = 19500 + Math.floor(Math.random() * 400);
for (const w of values.modes.split(",")) {
  for (const sync of values.syncs.split(",")) {
    for (const depth of values.depths.split(",")) {
      adminPort++;
      const dir = `/tmp/bench-commits-w${w}-${sync}-${depth}-${process.pid}`;
      const server = await startServer(["--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort), "--workers", w, "--store", "sqlite", "--sync", sync, "--data-dir", dir, "--log-level", "info"]);
      try {
        bench(server.port, ["--depth", depth, "--duration", "0.2", "--warmup", "0"]);
        const before = await scrape(adminPort);
        const t0 = performance.now();
        bench(server.port, ["--depth", depth, "--duration", values.duration, "--warmup", "0.5", "--no-populate"]);
        const seconds = (performance.now() - t0) / 1000;
        const after = await scrape(adminPort);
        const commits = after.commits - before.commits;
        const batches = after.batches - before.batches;
        const commands = after.commands - before.commands;
        // --workers 0 has no batches: it commits once per event-loop turn.
        const perBatch = batches > 0 ? ((after.batched - before.batched) / batches).toFixed(1) : "–";
        console.log(`| w${w} | ${sync} | ${depth} | ${Math.round(commits / seconds)} | ${perBatch} | ${commits > 0 ? (commands / commits).toFixed(1) : "–"} |`);
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
