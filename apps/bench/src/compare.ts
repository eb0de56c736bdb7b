import { type ShellServer, startShellServer } from "@pkgindex/server-process";
import { ownerCpu } from "./format.ts";
import { populate, PopulateError } from "./populate.ts";
import type { LoadOptions, LoadPool, LoadResult } from "./run.ts";
import { median } from "./stats.ts";
import type { Workload } from "./workload.ts";

export interface Mode {
  name: string;
  /** Shell command; `{port}` is replaced by a free port. */
  command: string;
}

export interface CompareOptions {
  modes: Mode[];
  connections: number[];
  depths: number[];
  rounds: number;
  baseline: string;
  load: Omit<LoadOptions, "host" | "port" | "connections" | "depth" | "pid" | "rate" | "onProgress">;
  workload: Workload;
  onProgress?: (label: string, elapsedMs: number, durationMs: number, replies: number) => void;
  onRun?: (label: string, result: LoadResult) => void;
}

export interface ModeSummary {
  mode: string;
  connections: number;
  depth: number;
  rounds: LoadResult[];
  /** Medians over the rounds. */
  rps: number;
  p99Us: number;
  p50Us: number;
  cpuUsPerRequest: number;
  ownerUsPerRequest: number;
  rssMiB: number;
  /** The load generator's own CPU per request: at depth 1 it is often the bound. */
  benchUsPerRequest: number;
  errors: number;
  /** This mode's median over the baseline's, same configuration. */
  rpsRatio: number;
  cpuRatio: number;
}

export interface CompareResult {
  modes: Mode[];
  baseline: string;
  rounds: number;
  summaries: ModeSummary[];
}

function key(mode: string, c: number, d: number): string {
  return `${mode}|${c}|${d}`;
}

/**
 * Starts every mode's server once (each on its own port), indexes the
 * workload into each, then runs the configurations round after round,
 * every mode once per configuration per round, the order of modes rotated
 * each round so no mode always runs first after a pause. Reports medians
 * over the rounds and ratios to the baseline mode measured in the same run.
 */
export async function compare(pool: LoadPool, o: CompareOptions): Promise<CompareResult> {
  const servers: ShellServer[] = [];
  try {
    for (const mode of o.modes) {
      const server = await startShellServer(mode.name, mode.command);
      servers.push(server);
      try {
        await populate("127.0.0.1", server.port, o.workload);
      } catch (err) {
        if (err instanceof PopulateError) throw new PopulateError(`${mode.name}: ${err.message}`);
        throw err;
      }
    }
    const runs = new Map<string, LoadResult[]>();
    for (let round = 0; round < o.rounds; round++) {
      for (const c of o.connections) {
        for (const d of o.depths) {
          for (let k = 0; k < servers.length; k++) {
            const server = servers[(k + round) % servers.length];
            const label = `round ${round + 1}/${o.rounds} c=${c} d=${d} ${server.name}`;
            const result = await pool.run({
              ...o.load,
              host: "127.0.0.1",
              port: server.port,
              connections: c,
              depth: d,
              pid: server.pid,
              onProgress: o.onProgress === undefined ? undefined : (p) => o.onProgress?.(label, p.elapsedMs, p.durationMs, p.replies),
            });
            o.onRun?.(label, result);
            const list = runs.get(key(server.name, c, d)) ?? [];
            list.push(result);
            runs.set(key(server.name, c, d), list);
          }
        }
      }
    }
    const summaries: ModeSummary[] = [];
    for (const c of o.connections) {
      for (const d of o.depths) {
        const base = runs.get(key(o.baseline, c, d)) ?? [];
        const baseRps = median(base.map((r) => r.rps));
        const baseCpu = median(base.map((r) => r.server?.cpuUsPerRequest ?? Number.NaN));
        for (const mode of o.modes) {
          const rounds = runs.get(key(mode.name, c, d)) ?? [];
          const rps = median(rounds.map((r) => r.rps));
          const cpu = median(rounds.map((r) => r.server?.cpuUsPerRequest ?? Number.NaN));
          summaries.push({
            mode: mode.name,
            connections: c,
            depth: d,
            rounds,
            rps,
            p99Us: median(rounds.map((r) => r.latencyUs.p99)),
            p50Us: median(rounds.map((r) => r.latencyUs.p50)),
            cpuUsPerRequest: cpu,
            ownerUsPerRequest: median(rounds.map(ownerCpu)),
            rssMiB: median(rounds.map((r) => (r.server?.rssKiB ?? Number.NaN) / 1024)),
            benchUsPerRequest: median(rounds.map((r) => r.benchCpuUsPerRequest)),
            errors: rounds.reduce((n, r) => n + r.errors, 0),
            rpsRatio: rps / baseRps,
            cpuRatio: cpu / baseCpu,
          });
        }
      }
    }
    return { modes: o.modes, baseline: o.baseline, rounds: o.rounds, summaries };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
