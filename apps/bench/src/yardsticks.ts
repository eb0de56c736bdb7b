import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort, startShellServer } from "@pkgindex/server-process";
import { orDash, range } from "./format.ts";
import { metricSum, scrapeMetrics } from "./metrics-text.ts";
import { markdownTable } from "./report.ts";
import { startPkgindex } from "./server.ts";
import { runFacts } from "./facts.ts";
import { median, spread } from "./stats.ts";

const run = promisify(execFile);

/** `cCdDmix`: C connections, D requests in flight each, loadgen's -mix. */
export interface YardstickLoad {
  key: string;
  connections: number;
  depth: number;
  mix: string;
}

export function parseLoad(key: string): YardstickLoad | null {
  const m = /^c(\d+)d(\d+)(\w+)$/.exec(key);
  return m === null ? null : { key, connections: Number(m[1]), depth: Number(m[2]), mix: m[3] };
}

export interface YardstickOptions {
  rounds: number;
  /** loadgen's -d, e.g. "2s". */
  duration: string;
  modes: number[];
  loads: YardstickLoad[];
  /** label -> pkgindex serve flags; one pkgindex server per mode and variant. */
  variants: [string, string[]][];
  /** goref and okserver beside pkgindex. */
  yardsticks: boolean;
  /** goref with GOMAXPROCS=1 too: the peer on the one core --workers 0 uses. */
  gorefOneCore: boolean;
  loadgen: string;
  goref: string;
  okserver: string;
  /** The brew-format file loadgen takes names from (and seeds the mixed mix with). */
  data: string;
  log: (record: object) => void;
}

export interface YardstickResult {
  label: string;
  load: string;
  rps: number;
  p99: number;
  cpu: number;
  ownerCpu?: number;
  batch?: number;
  commitsPerSec?: number;
}

/** A server of one configuration, started for one round. */
interface Running {
  pid: number;
  port: number;
  /** pkgindex's admin port, for its own counters; null for the yardsticks. */
  adminPort: number | null;
  stop(): Promise<unknown>;
  cleanup?: () => void;
}

interface Config {
  label: string;
  start(): Promise<Running>;
}

function external(label: string, command: string, env?: Record<string, string>): Config {
  return {
    label,
    async start() {
      const s = await startShellServer(label, command, { env });
      return { pid: s.pid, port: s.port, adminPort: null, stop: () => s.stop() };
    },
  };
}

/**
 * The configurations in a fixed order: the yardsticks first, then pkgindex
 * per mode and variant (each with an admin port for its own counters).
 */
function configs(o: YardstickOptions): Config[] {
  const out: Config[] = [];
  if (o.yardsticks) {
    out.push(external("goref", `${o.goref} -addr 127.0.0.1:{port}`));
    out.push(external("okserver", `${o.okserver} 2 {port}`));
  }
  if (o.gorefOneCore) out.push(external("goref-1core", `${o.goref} -addr 127.0.0.1:{port}`, { GOMAXPROCS: "1" }));
  for (const w of o.modes) {
    for (const [variant, flags] of o.variants) {
      out.push({
        label: `pkgindex-w${w}${variant === "" ? "" : `-${variant}`}`,
        async start() {
          const adminPort = await freePort();
          const dataDir = mkdtempSync(path.join(os.tmpdir(), `bench-data-w${w}-`));
          const s = await startPkgindex(["--admin-host", "127.0.0.1", "--admin-port", String(adminPort), "--workers", String(w), "--data-dir", dataDir, ...flags]);
          return { pid: s.child.pid!, adminPort, port: s.port, stop: () => s.stop(), cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
        },
      });
    }
  }
  return out;
}

/**
 * DESIGN.md §6's yardstick run: pkgindex in several layouts beside goref
 * and okserver, all driven by ../shared/bench's Go loadgen. Each round
 * starts every server once, in the same order, and runs every load against
 * it; figures are medians over the rounds.
 */
export async function runYardsticks(o: YardstickOptions): Promise<{ labels: string[]; results: YardstickResult[] }> {
  const all = configs(o);
  const results: YardstickResult[] = [];
  o.log({ facts: runFacts({ rounds: o.rounds, durationS: Number.parseFloat(o.duration), warmupS: 0.5 }) });
  for (let round = 1; round <= o.rounds; round++) {
    for (const config of all) {
      const server = await config.start();
      try {
        for (const load of o.loads) {
          const before = server.adminPort === null ? undefined : await scrapeMetrics(server.adminPort);
          const { stdout } = await run(o.loadgen, ["-addr", `127.0.0.1:${server.port}`, "-c", String(load.connections), "-depth", String(load.depth), "-d", o.duration, "-mix", load.mix, "-data", o.data, "-pid", String(server.pid)], { maxBuffer: 1 << 24 });
          const r = JSON.parse(stdout.trim().split("\n").pop()!) as { rps: number; p99_us: number; server_cpu_us_per_req: number };
          const res: YardstickResult = { label: config.label, load: load.key, rps: r.rps, p99: r.p99_us, cpu: r.server_cpu_us_per_req };
          if (before !== undefined) {
            // Over the whole loadgen run (seeding and warm-up included): the
            // owner's CPU per request it served, and commands per batch.
            const after = await scrapeMetrics(server.adminPort!);
            const delta = (family: string, filter = ""): number => metricSum(after, family, filter) - metricSum(before, family, filter);
            const requests = delta("pkgindex_commands_total") + delta("pkgindex_protocol_errors_total");
            const ownerSecs = delta("pkgindex_thread_cpu_seconds_total", 'role="state-owner"');
            if (ownerSecs > 0) res.ownerCpu = (ownerSecs * 1e6) / requests;
            // loadgen warms up for 0.5 s before its -d.
            res.commitsPerSec = delta("pkgindex_store_commits_total") / (Number.parseFloat(o.duration) + 0.5);
            const batches = delta("pkgindex_state_batch_commands_count");
            if (batches > 0) res.batch = delta("pkgindex_state_batch_commands_sum") / batches;
          }
          results.push(res);
          o.log({ round, ...res });
        }
      } finally {
        await server.stop();
        server.cleanup?.();
      }
    }
  }
  return { labels: all.map((c) => c.label), results };
}

/**
 * The Markdown table of medians: per load and server, then each figure's
 * ratio to every reference (goref, okserver, goref-1core when they ran;
 * else the first configuration), all from the same run.
 */
export function yardstickTable(labels: string[], loads: YardstickLoad[], results: YardstickResult[]): string {
  const present = ["goref", "okserver", "goref-1core"].filter((r) => labels.includes(r));
  const references = present.length > 0 ? present : [labels[0]];
  const header = ["load", "server", "rps", "rps min–max", "p99 µs", "p99 min–max", "server CPU µs/req", "CPU min–max", "state-owner CPU µs/req", "avg batch", "commits/s", ...references.flatMap((r) => [`rps / ${r}`, `CPU / ${r}`])];
  const rows: string[][] = [];
  for (const load of loads) {
    const values = (label: string, key: keyof YardstickResult): number[] => results.filter((r) => r.label === label && r.load === load.key && r[key] !== undefined).map((r) => r[key] as number);
    const med = (label: string, key: keyof YardstickResult): number => median(values(label, key));
    for (const label of labels) {
      const rps = med(label, "rps");
      const cpu = med(label, "cpu");
      rows.push([
        load.key,
        label,
        rps.toFixed(0),
        range(spread(values(label, "rps")), (n) => n.toFixed(0)),
        med(label, "p99").toFixed(0),
        range(spread(values(label, "p99")), (n) => n.toFixed(0)),
        cpu.toFixed(1),
        range(spread(values(label, "cpu")), (n) => n.toFixed(1)),
        orDash(med(label, "ownerCpu"), 2),
        orDash(med(label, "batch"), 1),
        orDash(med(label, "commitsPerSec"), 0),
        ...references.flatMap((r) => [(rps / med(r, "rps")).toFixed(2), (cpu / med(r, "cpu")).toFixed(2)]),
      ]);
    }
  }
  return markdownTable(header, rows, 2);
}
