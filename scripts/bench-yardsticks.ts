// Interleaved yardstick benchmark (DESIGN.md §6): pkgindex in several
// layouts beside goref and okserver, driven by ../shared/bench's loadgen.
// Prints JSON lines per run and a Markdown summary of medians and ratios.
//
//   node scripts/bench-yardsticks.ts [--rounds 3] [--duration 2s] [--modes 0,1,2,3]
//        [--loads c100d1mixed,...] [--rss] [--out FILE]
//
// Needs /tmp/loadgen, /tmp/goref, /tmp/okserver (see ../shared/bench/README.md).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "..");
const DATA = path.resolve(ROOT, "../shared/data/brew-dependencies.txt");
const BUNDLE = path.join(ROOT, "apps/server/dist/pkgindex.js");

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "2s" },
    modes: { type: "string", default: "0,1,2,3" },
    loads: { type: "string", default: "c100d1mixed,c100d8mixed,c10d1mixed,c10d8mixed,c100d1index,c100d8index,c10d1index,c10d8index" },
    store: { type: "string", default: "memory" },
    "extra-args": { type: "string", default: "" },
    rss: { type: "boolean", default: false },
    out: { type: "string" },
  },
});

interface Load { key: string; conns: number; depth: number; mix: string }
const loads: Load[] = values.loads.split(",").map((key) => {
  const m = /^c(\d+)d(\d+)(\w+)$/.exec(key);
  if (!m) throw new Error(`bad load ${key}`);
  return { key, conns: Number(m[1]), depth: Number(m[2]), mix: m[3] };
});

interface Config { label: string; start(port: number): ChildProcess; pkgindex: boolean }
const configs: Config[] = [
  { label: "goref", pkgindex: false, start: (port) => spawn("/tmp/goref", ["-addr", `127.0.0.1:${port}`], { stdio: "ignore" }) },
  { label: "okserver", pkgindex: false, start: (port) => spawn("/tmp/okserver", ["2", String(port)], { stdio: "ignore" }) },
  ...values.modes.split(",").map((w) => ({
    label: `pkgindex-w${w}`,
    pkgindex: true,
    start: (port: number) =>
      spawn(process.execPath, [BUNDLE, "serve", "--host", "127.0.0.1", "--port", String(port), "--workers", w, "--store", values.store, "--data-dir", `/tmp/bench-data-w${w}-${port}`, "--log-level", "info", ...values["extra-args"].split(" ").filter(Boolean)], { stdio: ["ignore", "pipe", "inherit"] }),
  })),
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

/** utime+stime ticks of each named thread of `pid`. */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch { /* thread ended */ }
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function stop(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.once("exit", () => resolve(out));
    child.kill("SIGTERM");
  });
}

interface Result { label: string; load: string; rps: number; p99: number; cpu: number; ownerCpu?: number; batch?: number }
const results: Result[] = [];
const rounds = Number(values.rounds);
let port = 21000 + Math.floor(Math.random() * 1000);
const log = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
log({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.versions.node, loadavg: os.loadavg() } });

for (let round = 1; round <= rounds; round++) {
  for (const config of configs) {
    port++;
    const child = config.start(port);
    let stdout = "";
    child.stdout?.on("data", (d) => (stdout += d));
    await waitForPort(port);
    for (const load of loads) {
      const before = config.pkgindex ? threadTicks(child.pid!) : undefined;
      const raw = execFileSync("/tmp/loadgen", ["-addr", `127.0.0.1:${port}`, "-c", String(load.conns), "-depth", String(load.depth), "-d", values.duration, "-mix", load.mix, "-data", DATA, "-pid", String(child.pid)], { encoding: "utf8" });
      const r = JSON.parse(raw.trim().split("\n").pop()!);
      const res: Result = { label: config.label, load: load.key, rps: r.rps, p99: r.p99_us, cpu: r.server_cpu_us_per_req };
      if (before) {
        const after = threadTicks(child.pid!);
        const owner = (after.get("state-owner") ?? 0) - (before.get("state-owner") ?? 0);
        // loadgen's window is -d after a 0.5 s warm-up (and a seeding pass
        // of 3,370 INDEX for the non-index mixes); divide the owner's CPU by
        // every request it saw in that span.
        const secs = Number.parseFloat(values.duration) + 0.5;
        const requests = r.rps * secs + (load.mix === "index" ? 0 : 3370);
        if (after.has("state-owner")) res.ownerCpu = (owner * 10_000) / requests;
      }
      results.push(res);
      log({ round, ...res });
    }
    const out = config.pkgindex ? stdout + (await stop(child)) : (child.kill("SIGTERM"), "");
    if (config.pkgindex) {
      const final = out.split("\n").filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((l) => l.msg === "final counters");
      const owner = final?.threads?.find((t: { role: string }) => t.role === "state-owner");
      if (owner && owner.batches > 0) {
        for (const r of results.filter((x) => x.label === config.label && x.batch === undefined)) r.batch = owner.batchedCommands / owner.batches;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

const lines: string[] = [];
lines.push(`| load | server | rps | p99 µs | server CPU µs/req | state-owner CPU µs/req | avg batch | rps / goref | CPU / goref | rps / okserver |`);
lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const load of loads) {
  const med = (label: string, key: keyof Result) => {
    const xs = results.filter((r) => r.label === label && r.load === load.key).map((r) => r[key] as number).filter((x) => x !== undefined);
    return xs.length ? median(xs) : NaN;
  };
  const gRps = med("goref", "rps");
  const gCpu = med("goref", "cpu");
  const okRps = med("okserver", "rps");
  for (const c of configs) {
    const rps = med(c.label, "rps");
    const owner = med(c.label, "ownerCpu");
    const batch = med(c.label, "batch");
    lines.push(`| ${load.key} | ${c.label} | ${rps.toFixed(0)} | ${med(c.label, "p99").toFixed(0)} | ${med(c.label, "cpu").toFixed(1)} | ${Number.isNaN(owner) ? "–" : owner.toFixed(2)} | ${Number.isNaN(batch) ? "–" : batch.toFixed(1)} | ${(rps / gRps).toFixed(2)} | ${(med(c.label, "cpu") / gCpu).toFixed(2)} | ${(rps / okRps).toFixed(2)} |`);
  }
}
const table = lines.join("\n");
process.stdout.write("\n" + table + "\n");
if (values.out) writeFileSync(values.out, table + "\n");
