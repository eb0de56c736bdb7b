import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort, metricSum, scrapeMetrics, startCluster, type ServerProcess, type TestCluster } from "@pkgindex/server-process";
import { runFacts } from "./facts.ts";
import { range } from "./format.ts";
import { markdownTable } from "./report.ts";
import { startPkgindex } from "./server.ts";
import { median, spread } from "./stats.ts";
import type { YardstickLoad } from "./yardsticks.ts";

const run = promisify(execFile);
/** Linux clock ticks per second (USER_HZ), the unit of /proc/PID/stat's utime and stime. */
const TICKS_PER_SECOND = 100;

/** `sqlite1`: one node on SQLite; `pgN`: N nodes on one PostgreSQL. */
export interface NodesSetup {
  key: string;
  store: "sqlite" | "postgres";
  nodes: number;
}

export function parseSetup(key: string): NodesSetup | null {
  const m = /^(sqlite|pg)(\d+)$/.exec(key);
  if (m === null || Number(m[2]) < 1) return null;
  if (m[1] === "sqlite" && m[2] !== "1") return null; // SQLite is one node's own file
  return { key, store: m[1] === "pg" ? "postgres" : "sqlite", nodes: Number(m[2]) };
}

export interface NodesOptions {
  rounds: number;
  /** loadgen's -d, e.g. "2s". */
  duration: string;
  setups: NodesSetup[];
  loads: YardstickLoad[];
  /** --workers of every node. */
  workers: number;
  loadgen: string;
  data: string;
  log: (record: object) => void;
}

export interface NodesResult {
  setup: string;
  load: string;
  rps: number;
  /** The worst node's p99 (each node has its own loadgen). */
  p99: number;
  /** Every node's CPU over every request. */
  nodeCpu: number;
  /** PostgreSQL's CPU (every backend and helper of the cluster) per request. */
  pgCpu?: number;
  batchesPerSec: number;
  commandsPerBatch: number;
}

/** utime + stime of `pid` in seconds; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The postmaster and every process it forked (backends, walwriter, checkpointer …). */
function clusterPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** CPU seconds of the cluster, backends that exited included (cutime/cstime of the postmaster). */
function clusterCpuSeconds(postmaster: number): number {
  let total = 0;
  for (const pid of clusterPids(postmaster)) total += cpuSeconds(pid);
  try {
    const stat = readFileSync(`/proc/${postmaster}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    // halted
  }
  return total;
}

interface Node {
  server: ServerProcess;
  adminPort: number;
}

async function startNodes(setup: NodesSetup, workers: number, cluster: TestCluster | null): Promise<{ nodes: Node[]; cleanup: () => void }> {
  const dirs: string[] = [];
  const url = cluster === null ? "" : await cluster.createDatabase();
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < setup.nodes; i++) {
      const adminPort = await freePort();
      const dir = mkdtempSync(path.join(os.tmpdir(), "bench-nodes-"));
      dirs.push(dir);
      const store = setup.store === "postgres" ? ["--store", "postgres", "--postgres-url", url] : ["--store", "sqlite", "--data-dir", dir];
      const server = await startPkgindex(["--admin-host", "127.0.0.1", "--admin-port", String(adminPort), "--workers", String(workers), ...store]);
      nodes.push({ server, adminPort });
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.server.stop()));
    throw err;
  }
  return { nodes, cleanup: () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

/**
 * Scale-out on one machine: one node on SQLite beside 1, 2 and 3 nodes
 * sharing one PostgreSQL (issue 13). Each node gets its own loadgen with
 * its share of the connections, all started together, so no balancer's CPU
 * is in the figures; rps is their sum. Rounds interleave the setups.
 */
export async function runNodes(o: NodesOptions): Promise<NodesResult[]> {
  const results: NodesResult[] = [];
  o.log({ facts: runFacts({ rounds: o.rounds, durationS: Number.parseFloat(o.duration), warmupS: 0.5 }) });
  const cluster = o.setups.some((s) => s.store === "postgres") ? await startCluster() : null;
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const setup of o.setups) {
        const { nodes, cleanup } = await startNodes(setup, o.workers, setup.store === "postgres" ? cluster : null);
        try {
          for (const load of o.loads) {
            const before = await Promise.all(nodes.map((n) => scrapeMetrics(n.adminPort)));
            const nodeCpu0 = nodes.reduce((sum, n) => sum + cpuSeconds(n.server.child.pid!), 0);
            const pgCpu0 = setup.store === "postgres" ? clusterCpuSeconds(cluster!.pid) : 0;
            const share = Math.max(1, Math.round(load.connections / nodes.length));
            const outs = await Promise.all(
              nodes.map((n) =>
                run(o.loadgen, ["-addr", `127.0.0.1:${n.server.port}`, "-c", String(share), "-depth", String(load.depth), "-d", o.duration, "-mix", load.mix, "-data", o.data], { maxBuffer: 1 << 24 }),
              ),
            );
            const nodeCpu = nodes.reduce((sum, n) => sum + cpuSeconds(n.server.child.pid!), 0) - nodeCpu0;
            const pgCpu = setup.store === "postgres" ? clusterCpuSeconds(cluster!.pid) - pgCpu0 : undefined;
            const after = await Promise.all(nodes.map((n) => scrapeMetrics(n.adminPort)));
            const reports = outs.map(({ stdout }) => JSON.parse(stdout.trim().split("\n").pop()!) as { rps: number; p99_us: number; requests?: number });
            const rps = reports.reduce((sum, r) => sum + r.rps, 0);
            // CPU over the whole loadgen run (warm-up and seeding included) per request in it.
            const seconds = Number.parseFloat(o.duration) + 0.5;
            const delta = (family: string): number => after.reduce((sum, a, i) => sum + metricSum(a, family) - metricSum(before[i], family), 0);
            const requests = delta("pkgindex_commands_total") + delta("pkgindex_protocol_errors_total");
            const batches = delta("pkgindex_store_commits_total");
            const res: NodesResult = {
              setup: setup.key,
              load: load.key,
              rps,
              p99: Math.max(...reports.map((r) => r.p99_us)),
              nodeCpu: (nodeCpu * 1e6) / requests,
              pgCpu: pgCpu === undefined ? undefined : (pgCpu * 1e6) / requests,
              batchesPerSec: batches / seconds,
              commandsPerBatch: batches > 0 ? delta("pkgindex_commands_total") / batches : 0,
            };
            results.push(res);
            o.log({ round, ...res });
          }
        } finally {
          await Promise.all(nodes.map((n) => n.server.stop()));
          cleanup();
        }
      }
    }
  } finally {
    await cluster?.stop();
  }
  return results;
}

/** Medians over the rounds, with min–max, per load and setup; ratios to the first setup. */
export function nodesTable(setups: NodesSetup[], loads: YardstickLoad[], results: NodesResult[]): string {
  const header = ["load", "setup", "rps", "rps min–max", `rps / ${setups[0].key}`, "p99 µs", "node CPU µs/req", "PostgreSQL CPU µs/req", "batches/s", "commands/batch"];
  const rows: string[][] = [];
  for (const load of loads) {
    const of = (setup: string) => results.filter((r) => r.setup === setup && r.load === load.key);
    const med = (setup: string, pick: (r: NodesResult) => number | undefined): number => median(of(setup).map(pick).filter((v): v is number => v !== undefined));
    const first = med(setups[0].key, (r) => r.rps);
    for (const s of setups) {
      const pg = med(s.key, (r) => r.pgCpu);
      rows.push([
        load.key,
        s.key,
        med(s.key, (r) => r.rps).toFixed(0),
        range(spread(of(s.key).map((r) => r.rps)), (n) => n.toFixed(0)),
        (med(s.key, (r) => r.rps) / first).toFixed(2),
        med(s.key, (r) => r.p99).toFixed(0),
        med(s.key, (r) => r.nodeCpu).toFixed(1),
        Number.isNaN(pg) ? "–" : pg.toFixed(1),
        med(s.key, (r) => r.batchesPerSec).toFixed(0),
        med(s.key, (r) => r.commandsPerBatch).toFixed(1),
      ]);
    }
  }
  return markdownTable(header, rows, 2);
}
