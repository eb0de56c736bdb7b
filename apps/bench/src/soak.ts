import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startShellServer } from "@pkgindex/server-process";
import type { Mode } from "./compare.ts";
import { factsLine, type RunFacts } from "./facts.ts";
import { fixed, int, micros, range } from "./format.ts";
import { populate } from "./populate.ts";
import type { PortPicker } from "./port-range.ts";
import { displayCommand, markdownTable } from "./report.ts";
import { rssChart } from "./rss-chart.ts";
import type { LoadOptions, LoadPool, LoadResult } from "./run.ts";
import { slope } from "./stats.ts";
import type { Workload } from "./workload.ts";

export interface SoakOptions {
  modes: Mode[];
  /** The steady load: closed loop, `connections` × `depth`. */
  connections: number;
  depth: number;
  /** The churn beside it: `churnClients` slots, each connection sending `lines` lines. */
  churnClients: number;
  lines: number;
  /** RSS slope is fitted from this many seconds into the run on (start-up and warm-up excluded). */
  settleS: number;
  load: Omit<LoadOptions, "host" | "port" | "connections" | "depth" | "pid" | "rate" | "onProgress" | "threads" | "linesPerConnection">;
  workload: Workload;
  ports?: PortPicker;
  onProgress?: (label: string, elapsedMs: number, durationMs: number, replies: number) => void;
}

export interface SoakRun {
  mode: string;
  command: string;
  steady: LoadResult;
  churn: LoadResult;
  rss: { startMiB: number; peakMiB: number; endMiB: number; settleS: number; slopeMiBPerMinute: number; samples: [number, number][] };
}

/** The RSS slope (MiB per minute) of the samples at or after `settleS`. */
export function rssSlope(samples: readonly [number, number][], settleS: number): number {
  return slope(samples.filter(([t]) => t >= settleS)) * 60;
}

/**
 * A soak per mode, one after the other: the steady closed-loop load and the
 * churn run at once for the whole duration, each on its own load thread,
 * against one server; RSS is sampled throughout by the steady run.
 */
export async function soak(pool: LoadPool, o: SoakOptions): Promise<SoakRun[]> {
  const out: SoakRun[] = [];
  for (const mode of o.modes) {
    const server = await startShellServer(mode.name, mode.command, { port: await o.ports?.next() });
    try {
      await populate("127.0.0.1", server.port, o.workload);
      const common = { ...o.load, host: "127.0.0.1", port: server.port, threads: 1 };
      const [steady, churn] = await Promise.all([
        pool.run({
          ...common,
          connections: o.connections,
          depth: o.depth,
          pid: server.pid,
          onProgress: o.onProgress === undefined ? undefined : (p) => o.onProgress?.(`soak ${mode.name}`, p.elapsedMs, p.durationMs, p.replies),
        }),
        pool.run({ ...common, connections: o.churnClients, depth: 1, linesPerConnection: o.lines, pid: server.pid }),
      ]);
      const trace = steady.server?.rss ?? { startMiB: Number.NaN, peakMiB: Number.NaN, endMiB: Number.NaN, samples: [] };
      out.push({ mode: mode.name, command: server.command, steady, churn, rss: { ...trace, settleS: o.settleS, slopeMiBPerMinute: rssSlope(trace.samples, o.settleS) } });
    } finally {
      await server.stop();
    }
  }
  return out;
}

const HEADER = ["mode", "steady rps", "rps min–max", "p99", "churn conn/s", "conn/s min–max", "srv CPU s", "errors", "RSS start", "RSS peak", "RSS end", "slope after settle"];

export function soakRows(runs: readonly SoakRun[]): string[][] {
  return runs.map((r) => [
    r.mode,
    int(r.steady.rps),
    range(r.steady.rpsIntervals, int),
    micros(r.steady.latencyUs.p99),
    int(r.churn.connectionsPerSecond ?? Number.NaN),
    r.churn.connectionIntervals === null ? "-" : range(r.churn.connectionIntervals, int),
    // Both loads share the server, so its CPU is one figure for the soak, not per request or connection.
    fixed(r.steady.server?.cpuSeconds ?? Number.NaN),
    int(r.steady.errors + r.churn.errors),
    `${fixed(r.rss.startMiB)} MiB`,
    `${fixed(r.rss.peakMiB)} MiB`,
    `${fixed(r.rss.endMiB)} MiB`,
    `${fixed(r.rss.slopeMiBPerMinute, 2)} MiB/min`,
  ]);
}

export function soakTable(runs: readonly SoakRun[]): string {
  return markdownTable(HEADER, soakRows(runs));
}

/** Writes `report.md` and `rss-over-time.svg` into `dir`. */
export function writeSoakReport(dir: string, runs: readonly SoakRun[], o: { command: string; facts: RunFacts; connections: number; depth: number; churnClients: number; lines: number; mix: string; warnings: string[] }): string {
  mkdirSync(dir, { recursive: true });
  const facts = factsLine(o.facts);
  writeFileSync(
    path.join(dir, "rss-over-time.svg"),
    rssChart({ title: `RSS over a soak: ${o.mix} c=${o.connections} d=${o.depth} + churn ×${o.churnClients}`, series: runs.map((r) => ({ name: r.mode, samples: r.rss.samples })), facts, note: `slope fitted from ${runs[0]?.rss.settleS ?? 0}s` }),
  );
  const md = [
    "# bench soak",
    "",
    "Produced by:",
    "",
    "```",
    o.command,
    "```",
    "",
    `Run facts: ${facts}.`,
    "",
    `Per mode, one after the other: \`${o.mix}\` at ${o.connections} connections × depth ${o.depth} and, at the same time, ${o.churnClients} churning client(s) ` +
      `(connect, ${o.lines} line(s), close, again) for ${o.facts.durationS}s. RSS is sampled every min(1 s, duration / 10) (every 0.1 s in the warm-up); its slope is the least-squares fit ` +
      `of the samples from ${runs[0]?.rss.settleS ?? 0}s on. min–max columns are over the run's intervals.`,
    "",
    ...(o.warnings.length > 0 ? ["Spread warnings:", "", ...o.warnings.map((w) => `- ${w}`), ""] : []),
    soakTable(runs),
    "",
    "![RSS over time](rss-over-time.svg)",
    "",
    "## Modes",
    "",
    ...runs.map((r) => `- **${r.mode}**: \`${displayCommand(r.command)}\``),
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "report.md"), md);
  return md;
}
