// Interleaved yardstick benchmark (DESIGN.md §6): pkgindex in several
// layouts beside goref and okserver, driven by ../shared/bench's loadgen.
// Prints JSON lines per run and a Markdown summary of medians and ratios.
//
//   node scripts/bench-yardsticks.ts [--rounds 3] [--duration 2s] [--modes 0,1,2,3]
//        [--loads c100d1mixed,...] [--store memory] [--out FILE]
//        [--variants "mem=--store memory;full=--store sqlite --sync full"] [--no-yardsticks]
//        [--goref-one-core]   also goref with GOMAXPROCS=1: the peer on the one core --workers 0 uses
//
// Needs /tmp/loadgen, /tmp/goref, /tmp/okserver (see ../shared/bench/README.md).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { metricSum, ROOT, SERVER as BUNDLE } from "./support.ts";

const DATA = path.resolve(ROOT, "../shared/data/brew-dependencies.txt");

const { values } = parseArgs({
  allowNegative: true,
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "2s" },
    modes: { type: "string", default: "0,1,2,3" },
    loads: { type: "string", default: "c100d1mixed,c100d8mixed,c10d1mixed,c10d8mixed,c100d1index,c100d8index,c10d1index,c10d8index" },
    store: { type: "string", default: "memory" },
    // label=flags;label=flags: each a pkgindex variant per mode (overrides --store)
    variants: { type: "string", default: "" },
    yardsticks: { type: "boolean", default: true },
    "goref-one-core": { type: "boolean", default: false },
    "extra-args": { type: "string", default: "" },
    out: { type: "string" },
  },
});

interface Load { key: string; conns: number; depth: number; mix: string }
const loads: Load[] = values.loads.split(",").map((key) => {
  const m = /^c(\d+)d(\d+)(\w+)$/.exec(key);
  if (!m) throw new Error(`bad load ${key}`);
  return { key, conns: Number(m[1]), depth: Number(m[2]), mix: m[3] };
});

const ADMIN_OFFSET = 5000;

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port + ADMIN_OFFSET}/metrics`)).text();
}

interface Config { label: string; start(port: number): ChildProcess; pkgindex: boolean }
const variants: [string, string[]][] = values.variants
  ? values.variants.split(";").map((v) => {
      const [label, flags] = v.split("=");
      return [label, flags.split(" ").filter(Boolean)];
    })
  : [["", ["--store", values.store]]];
const configs: Config[] = [
  ...(values.yardsticks
    ? [
        { label: "goref", pkgindex: false, start: (port: number) => spawn("/tmp/goref", ["-addr", `127.0.0.1:${port}`], { stdio: "ignore" }) },
        { label: "okserver", pkgindex: false, start: (port: number) => spawn("/tmp/okserver", ["2", String(port)], { stdio: "ignore" }) },
      ]
    : []),
  ...(values["goref-one-core"]
    ? [
        {
          label: "goref-1core",
          pkgindex: false,
          start: (port: number) => spawn("/tmp/goref", ["-addr", `127.0.0.1:${port}`], { stdio: "ignore", env: { ...process.env, GOMAXPROCS: "1" } }),
        },
      ]
    : []),
  ...values.modes.split(",").flatMap((w) =>
    variants.map(([variant, flags]) => ({
      label: `pkgindex-w${w}${variant ? `-${variant}` : ""}`,
      pkgindex: true,
      start: (port: number) =>
        spawn(process.execPath, [BUNDLE, "serve", "--host", "127.0.0.1", "--port", String(port), "--admin-host", "127.0.0.1", "--admin-port", String(port + ADMIN_OFFSET), "--workers", w, "--data-dir", `/tmp/bench-data-w${w}-${port}`, "--log-level", "info", ...flags, ...values["extra-args"].split(" ").filter(Boolean)], { stdio: ["ignore", "pipe", "inherit"] }),
    })),
  ),
];

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

const dash = (x: number, digits: number) => (Number.isNaN(x) ? "–" : x.toFixed(digits));

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

interface Result { label: string; load: string; rps: number; p99: number; cpu: number; ownerCpu?: number; batch?: number; commitsPerSec?: number }
const results: Result[] = [];
const rounds = Number(values.rounds);
let port = 21000 + Math.floor(Math.random() * 1000);
const log = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
log({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.versions.node, loadavg: os.loadavg() } });

for (let round = 1; round <= rounds; round++) {
  for (const config of configs) {
    port++;
    const child = config.start(port);
    child.stdout?.resume();
    await waitForPort(port);
    for (const load of loads) {
      const before = config.pkgindex ? await scrape(port) : undefined;
      const raw = execFileSync("/tmp/loadgen", ["-addr", `127.0.0.1:${port}`, "-c", String(load.conns), "-depth", String(load.depth), "-d", values.duration, "-mix", load.mix, "-data", DATA, "-pid", String(child.pid)], { encoding: "utf8" });
      const r = JSON.parse(raw.trim().split("\n").pop()!);
      const res: Result = { label: config.label, load: load.key, rps: r.rps, p99: r.p99_us, cpu: r.server_cpu_us_per_req };
      if (before !== undefined) {
        // Over the whole loadgen run (seeding and warm-up included): the
        // owner's CPU per request it served, and commands per batch.
        const after = await scrape(port);
        const delta = (family: string, filter = "") => metricSum(after, family, filter) - metricSum(before, family, filter);
        const requests = delta("pkgindex_commands_total") + delta("pkgindex_protocol_errors_total");
        const ownerSecs = delta("pkgindex_thread_cpu_seconds_total", 'role="state-owner"');
        if (ownerSecs > 0) res.ownerCpu = (ownerSecs * 1e6) / requests;
        const commits = delta("pkgindex_store_commits_total");
        res.commitsPerSec = commits / (Number.parseFloat(values.duration) + 0.5);
        const batches = delta("pkgindex_state_batch_commands_count");
        if (batches > 0) res.batch = delta("pkgindex_state_batch_commands_sum") / batches;
      }
      results.push(res);
      log({ round, ...res });
    }
    if (config.pkgindex) await stop(child);
    else child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
  }
}

const lines: string[] = [];
const base = values.yardsticks ? "goref" : configs[0].label;
lines.push(`| load | server | rps | p99 µs | server CPU µs/req | state-owner CPU µs/req | avg batch | commits/s | rps / ${base} | CPU / ${base} |`);
lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const load of loads) {
  const med = (label: string, key: keyof Result) => {
    const xs = results.filter((r) => r.label === label && r.load === load.key).map((r) => r[key] as number).filter((x) => x !== undefined);
    return xs.length ? median(xs) : NaN;
  };
  const gRps = med(base, "rps");
  const gCpu = med(base, "cpu");
  for (const c of configs) {
    const rps = med(c.label, "rps");
    const owner = med(c.label, "ownerCpu");
    const batch = med(c.label, "batch");
    const commits = med(c.label, "commitsPerSec");
    lines.push(`| ${load.key} | ${c.label} | ${rps.toFixed(0)} | ${med(c.label, "p99").toFixed(0)} | ${med(c.label, "cpu").toFixed(1)} | ${dash(owner, 2)} | ${dash(batch, 1)} | ${dash(commits, 0)} | ${(rps / gRps).toFixed(2)} | ${(med(c.label, "cpu") / gCpu).toFixed(2)} |`);
  }
}
const table = lines.join("\n");
process.stdout.write("\n" + table + "\n");
if (values.out) writeFileSync(values.out, table + "\n");
