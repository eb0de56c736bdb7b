// Start-up cost of the durable store: open + load() of N packages with K
// dependencies each (default 200,000 x 5). A benchmark, not a test: it prints
// figures. Run from the repo root:
//
//   npx pnpm@10.34.8 exec node packages/store/bench/load-startup.ts [--packages N] [--deps K] [--runs R] [--dir DIR]
//
// It builds the database once (one bulk transaction), then opens and loads it
// R times (interleaving nothing else) and prints each run and the medians.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    packages: { type: "string", default: "200000" },
    deps: { type: "string", default: "5" },
    runs: { type: "string", default: "5" },
    dir: { type: "string" },
  },
});
const packages = Number(values.packages);
const depsPer = Number(values.deps);
const runs = Number(values.runs);
const ownDir = values.dir === undefined;
const dataDir = values.dir ?? mkdtempSync(join(tmpdir(), "pkgindex-bench-"));

/** xorshift32: the same graph on every run of the script. */
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (ms: number): string => ms.toFixed(0).padStart(6);

try {
  // Build: package i depends on depsPer distinct packages among 0..i-1.
  const names: string[] = Array.from({ length: packages }, (_, i) => `package-${i}`);
  const store = openStore({ kind: "sqlite", dataDir, sync: "normal" });
  const scratch: string[] = [];
  const picked = new Set<number>();
  const buildStart = performance.now();
  for (let i = 0; i < packages; i++) {
    picked.clear();
    const want = Math.min(depsPer, i);
    while (picked.size < want) picked.add(Math.floor(random() * i));
    let n = 0;
    for (const d of picked) scratch[n++] = names[d];
    store.putPackage(names[i], scratch, n);
  }
  store.commit();
  store.close(); // checkpoints the WAL into the main file
  const buildMs = performance.now() - buildStart;
  const dbBytes = statSync(join(dataDir, "pkgindex.db")).size;
  console.log(`node ${process.version}, ${packages} packages x ${depsPer} deps`);
  console.log(`build: ${buildMs.toFixed(0)} ms (one transaction), pkgindex.db ${(dbBytes / 1048576).toFixed(1)} MiB`);
  console.log("run   open ms  load ms  total ms  packages   edges  unordered  rss MiB");

  const opens: number[] = [];
  const loads: number[] = [];
  const totals: number[] = [];
  for (let r = 1; r <= runs; r++) {
    const t0 = performance.now();
    const s = openStore({ kind: "sqlite", dataDir, sync: "full" });
    const t1 = performance.now();
    let touched = 0;
    const stats = s.load((name, deps) => {
      touched += name.length + deps.length;
    });
    const t2 = performance.now();
    const rss = process.memoryUsage().rss / 1048576;
    s.close();
    if (touched === 0) throw new Error("nothing loaded");
    opens.push(t1 - t0);
    loads.push(t2 - t1);
    totals.push(t2 - t0);
    console.log(
      `${String(r).padStart(3)}  ${fmt(t1 - t0)}   ${fmt(t2 - t1)}    ${fmt(t2 - t0)}  ${String(stats.packages).padStart(8)} ${String(stats.edges).padStart(7)}  ${String(stats.unordered).padStart(9)}  ${rss.toFixed(0).padStart(7)}`,
    );
  }
  console.log(`median open ${median(opens).toFixed(1)} ms, load ${median(loads).toFixed(0)} ms, open+load ${median(totals).toFixed(0)} ms`);
} finally {
  if (ownDir) rmSync(dataDir, { recursive: true, force: true });
}
