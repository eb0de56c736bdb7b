// What the durable store costs the state owner per put and per commit, for
// each --sync mode, configurations interleaved, medians of the rounds. A
// benchmark, not a test: it prints figures. Run from the repo root:
//
//   npx pnpm@10.34.8 exec node packages/store/bench/commit-cost.ts [--packages N] [--rounds R]
//
// Phases per (round, sync mode), each on a fresh database:
//   new      N new packages with up to 5 deps, committed in batches of 32
//   same     N re-INDEXes with an unchanged set (must write nothing)
//   commit1  2,000 batches of one changed re-INDEX: the wall time of a commit
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openStore, type SyncMode } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    packages: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
  },
});
const packages = Number(values.packages);
const rounds = Number(values.rounds);
const modes: SyncMode[] = ["full", "normal", "off"];
const names = Array.from({ length: packages }, (_, i) => `package-${i}`);

function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Figures {
  newCpu: number;
  sameCpu: number;
  commit1Wall: number;
  commit1Cpu: number;
}

function measure(sync: SyncMode): Figures {
  const dataDir = mkdtempSync(join(tmpdir(), "pkgindex-bench-"));
  try {
    const store = openStore({ kind: "sqlite", dataDir, sync });
    // Package i depends on i-1, i-2, i-3, i-5 and i-8 (those that exist).
    const deps = (i: number, out: string[]): number => {
      let n = 0;
      for (const back of [1, 2, 3, 5, 8]) if (i - back >= 0) out[n++] = names[i - back];
      return n;
    };
    const scratch: string[] = [];

    let c = process.cpuUsage();
    for (let i = 0; i < packages; i++) {
      store.putPackage(names[i], scratch, deps(i, scratch));
      if (i % 32 === 31) store.commit();
    }
    store.commit();
    const newCpu = cpuMicros(c) / packages;

    const before = store.commits;
    c = process.cpuUsage();
    for (let i = 0; i < packages; i++) {
      store.putPackage(names[i], scratch, deps(i, scratch));
      if (i % 32 === 31) store.commit();
    }
    store.commit();
    const sameCpu = cpuMicros(c) / packages;
    if (store.commits !== before) throw new Error("an unchanged re-INDEX committed something");

    const batches = 2000;
    c = process.cpuUsage();
    const t = performance.now();
    for (let b = 0; b < batches; b++) {
      const i = 10 + (b % (packages - 10));
      scratch[0] = names[b % 2 === 0 ? i - 1 : i - 2];
      store.putPackage(names[i], scratch, 1);
      store.commit();
    }
    const commit1Wall = ((performance.now() - t) * 1000) / batches;
    const commit1Cpu = cpuMicros(c) / batches;
    store.close();
    return { newCpu, sameCpu, commit1Wall, commit1Cpu };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${packages} packages, ${rounds} rounds, modes interleaved`);
console.log("round  sync    new put cpu µs  same put cpu µs  1-put commit wall µs  1-put commit cpu µs");
const results = new Map<SyncMode, Figures[]>(modes.map((m) => [m, []]));
for (let r = 1; r <= rounds; r++) {
  for (const sync of modes) {
    const f = measure(sync);
    results.get(sync)?.push(f);
    console.log(
      `${String(r).padStart(5)}  ${sync.padEnd(6)}  ${f.newCpu.toFixed(1).padStart(14)}  ${f.sameCpu.toFixed(1).padStart(15)}  ${f.commit1Wall.toFixed(0).padStart(20)}  ${f.commit1Cpu.toFixed(0).padStart(19)}`,
    );
  }
}
console.log("medians:");
for (const [sync, fs] of results) {
  console.log(
    `  ${sync.padEnd(6)}  new put ${median(fs.map((f) => f.newCpu)).toFixed(1)} µs cpu, unchanged put ${median(fs.map((f) => f.sameCpu)).toFixed(1)} µs cpu, 1-put commit ${median(fs.map((f) => f.commit1Wall)).toFixed(0)} µs wall / ${median(fs.map((f) => f.commit1Cpu)).toFixed(0)} µs cpu`,
  );
}
