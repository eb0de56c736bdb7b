import { type ShellServer, startShellServer } from "@pkgindex/server-process";
import { ownerCpu } from "./format.ts";
import { populate, PopulateError } from "./populate.ts";
import type { PortPicker } from "./port-range.ts";
import type { LoadOptions, LoadPool, LoadResult } from "./run.ts";
import { median, type Spread, spread } from "./stats.ts";
import type { Workload } from "./workload.ts";

export interface Mode {
  name: string;
  /** Shell command; `{port}` is replaced by a free port. */
  command: string;
}

/** One load configuration: closed loop at `depth`, or open loop at `rate` requests/s. */
export interface Shape {
  connections: number;
  depth: number;
  rate: number | null;
}

/** Every connections × depths pair, closed loop. */
export function closedShapes(connections: readonly number[], depths: readonly number[]): Shape[] {
  return connections.flatMap((c) => depths.map((d) => ({ connections: c, depth: d, rate: null })));
}

export interface CompareOptions {
  modes: Mode[];
  shapes: Shape[];
  rounds: number;
  baseline: string;
  load: Omit<LoadOptions, "host" | "port" | "connections" | "depth" | "pid" | "rate" | "onProgress">;
  workload: Workload;
  /** Where the servers' ports come from (--port-range); absent: the OS's pick. */
  ports?: PortPicker;
  onProgress?: (label: string, elapsedMs: number, durationMs: number, replies: number) => void;
  onRun?: (label: string, result: LoadResult) => void;
}

export interface ModeSummary {
  mode: string;
  connections: number;
  depth: number;
  /** Open loop: the rate asked for (`rps` is the rate achieved). */
  rate: number | null;
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
  /** How the rounds spread around those medians. */
  spread: { rps: Spread; p50Us: Spread; p99Us: Spread; cpuUsPerRequest: Spread };
}

export interface CompareResult {
  modes: Mode[];
  baseline: string;
  rounds: number;
  summaries: ModeSummary[];
}

function key(mode: string, s: Shape): string {
  return `${mode}|${s.connections}|${s.depth}|${s.rate}`;
}

export function shapeLabel(s: { connections: number; depth: number; rate: number | null }): string {
  return s.rate !== null ? `c=${s.connections} rate=${s.rate}` : `c=${s.connections} d=${s.depth}`;
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
      const server = await startShellServer(mode.name, mode.command, { port: await o.ports?.next() });
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
      for (const shape of o.shapes) {
        for (let k = 0; k < servers.length; k++) {
          const server = servers[(k + round) % servers.length];
          const label = `round ${round + 1}/${o.rounds} ${shapeLabel(shape)} ${server.name}`;
          const result = await pool.run({
            ...o.load,
            host: "127.0.0.1",
            port: server.port,
            connections: shape.connections,
            depth: shape.depth,
            rate: shape.rate ?? undefined,
            pid: server.pid,
            onProgress: o.onProgress === undefined ? undefined : (p) => o.onProgress?.(label, p.elapsedMs, p.durationMs, p.replies),
          });
          o.onRun?.(label, result);
          const list = runs.get(key(server.name, shape)) ?? [];
          list.push(result);
          runs.set(key(server.name, shape), list);
        }
      }
    }
    const summaries: ModeSummary[] = [];
    for (const shape of o.shapes) {
      const base = runs.get(key(o.baseline, shape)) ?? [];
      const baseRps = median(base.map((r) => r.rps));
      const baseCpu = median(base.map((r) => r.server?.cpuUsPerRequest ?? Number.NaN));
      for (const mode of o.modes) {
        const rounds = runs.get(key(mode.name, shape)) ?? [];
        const rps = median(rounds.map((r) => r.rps));
        const cpu = median(rounds.map((r) => r.server?.cpuUsPerRequest ?? Number.NaN));
        summaries.push({
          mode: mode.name,
          connections: shape.connections,
          depth: shape.depth,
          rate: shape.rate,
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
          spread: {
            rps: spread(rounds.map((r) => r.rps)),
            p50Us: spread(rounds.map((r) => r.latencyUs.p50)),
            p99Us: spread(rounds.map((r) => r.latencyUs.p99)),
            cpuUsPerRequest: spread(rounds.map((r) => r.server?.cpuUsPerRequest ?? Number.NaN)),
          },
        });
      }
    }
    return { modes: o.modes, baseline: o.baseline, rounds: o.rounds, summaries };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
