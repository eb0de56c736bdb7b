import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chart, type ChartSeries } from "./chart.ts";
import type { CompareResult, ModeSummary } from "./compare.ts";
import { factsLine, type RunFacts } from "./facts.ts";
import { int, micros, range, table } from "./format.ts";
import { displayCommand, distributionChart, markdownTable } from "./report.ts";

const HEADER = ["mode", "rate asked", "rps achieved", "rps min–max", "p50", "p50 min–max", "p99", "p99 min–max", "srv µs/req", "errors"];

function rows(summaries: readonly ModeSummary[]): string[][] {
  return summaries.map((s) => [
    s.mode,
    int(s.rate ?? Number.NaN),
    int(s.rps),
    range(s.spread.rps, int),
    micros(s.p50Us),
    range(s.spread.p50Us, micros),
    micros(s.p99Us),
    range(s.spread.p99Us, micros),
    s.cpuUsPerRequest.toFixed(1),
    int(s.errors),
  ]);
}

/** The sweep as a text table, one row per mode and rate. */
export function formatSweep(result: CompareResult): string {
  return table(HEADER, rows(result.summaries));
}

/**
 * Latency against achieved throughput, the open-loop view of a server: per
 * mode a p50 (dashed) and a p99 line over the rates swept, each point the
 * median of the rounds with bars min–max in both directions. Latency is
 * from the intended send time, so past saturation it climbs instead of
 * hiding in a slower send rate.
 */
export function latencyThroughputChart(result: CompareResult, o: { title: string; facts: string }): string {
  const series: ChartSeries[] = [];
  for (const [k, m] of result.modes.entries()) {
    const mine = result.summaries.filter((s) => s.mode === m.name);
    for (const [label, pick, dashed] of [
      ["p50", (s: ModeSummary) => [s.p50Us, s.spread.p50Us] as const, true],
      ["p99", (s: ModeSummary) => [s.p99Us, s.spread.p99Us] as const, false],
    ] as const) {
      series.push({
        name: `${m.name} ${label}`,
        dashed,
        color: k,
        points: mine.map((s) => {
          const [us, sp] = pick(s);
          return { x: s.rps, xLo: s.spread.rps.min, xHi: s.spread.rps.max, y: us / 1000, yLo: sp.min / 1000, yHi: sp.max / 1000 };
        }),
      });
    }
  }
  return chart({ title: o.title, xLabel: "achieved requests/s (median)", yLabel: "latency (ms, log)", yLog: true, series, facts: o.facts, bars: result.rounds > 1 ? `bars: min–max of ${result.rounds} rounds` : "one round: no bars" });
}

/**
 * Writes `report.md`, `latency-vs-throughput.svg` and, per mode,
 * `latency-distribution-<mode>.svg` (one line per rate) into `dir`.
 */
export function writeSweepReport(dir: string, result: CompareResult, meta: { command: string; mix: string; facts: RunFacts; warnings: string[] }): string {
  mkdirSync(dir, { recursive: true });
  const facts = factsLine(meta.facts);
  writeFileSync(path.join(dir, "latency-vs-throughput.svg"), latencyThroughputChart(result, { title: `Latency vs throughput (open loop), ${meta.mix}`, facts }));
  const dists: string[] = [];
  for (const m of result.modes) {
    const file = `latency-distribution-${m.name.replace(/[^\w.-]+/g, "_")}.svg`;
    const mine = result.summaries.filter((s) => s.mode === m.name);
    writeFileSync(path.join(dir, file), distributionChart({ title: `Latency distribution by rate, ${m.name}`, series: mine.map((s) => ({ name: `${int(s.rate ?? 0)}/s`, rounds: s.rounds })), facts }));
    dists.push(`![latency distribution, ${m.name}](${file})`);
  }
  const lines = [
    `# bench sweep: ${meta.mix}`,
    "",
    "Produced by:",
    "",
    "```",
    meta.command,
    "```",
    "",
    `Run facts: ${facts}.`,
    "",
    `Open loop: each rate is sent on schedule whatever the replies, ${result.summaries[0]?.connections ?? "?"} connections sharing it; latency counts from the intended send time (no coordinated omission). ` +
      `${result.rounds} rounds, modes interleaved and rotated each round; figures are medians over the rounds with their min–max.`,
    "",
    ...(meta.warnings.length > 0 ? ["Spread warnings:", "", ...meta.warnings.map((w) => `- ${w}`), ""] : []),
    markdownTable(HEADER, rows(result.summaries), 1),
    "",
    "![latency vs throughput](latency-vs-throughput.svg)",
    "",
    ...dists,
    "",
    "## Modes",
    "",
    ...result.modes.map((m) => `- **${m.name}**: \`${displayCommand(m.command)}\``),
    "",
  ];
  const md = lines.join("\n");
  writeFileSync(path.join(dir, "report.md"), md);
  return md;
}
