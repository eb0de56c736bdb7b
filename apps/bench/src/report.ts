import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chart, lineChart, percentileAxis, percentileTicks, type ChartSeries, type Point, type Series } from "./chart.ts";
import { type CompareResult, type ModeSummary, shapeLabel } from "./compare.ts";
import { factsLine, type RunFacts } from "./facts.ts";
import { fixed, int, micros, range, table } from "./format.ts";
import type { LoadResult } from "./run.ts";
import { REPO_ROOT } from "./server.ts";
import { median, type Spread } from "./stats.ts";

/** A command as a reader can retype it: `node`, paths from the repository root. */
export function displayCommand(command: string): string {
  return command.replaceAll(process.execPath, "node").replaceAll(`${REPO_ROOT}/`, "");
}

function summaryRows(rows: ModeSummary[]): string[][] {
  return rows.map((s) => [
    s.mode,
    int(s.rps),
    range(s.spread.rps, int),
    `${fixed(s.rpsRatio, 2)}×`,
    micros(s.p50Us),
    micros(s.p99Us),
    range(s.spread.p99Us, micros),
    fixed(s.cpuUsPerRequest),
    range(s.spread.cpuUsPerRequest, (n) => fixed(n)),
    `${fixed(s.cpuRatio, 2)}×`,
    fixed(s.ownerUsPerRequest),
    fixed(s.rssMiB),
    fixed(s.benchUsPerRequest),
    int(s.errors),
  ]);
}

const SUMMARY_HEADER = ["mode", "rps", "rps min–max", "rps ×", "p50", "p99", "p99 min–max", "srv µs/req", "srv min–max", "cpu ×", "owner µs/req", "RSS MiB", "bench µs/req", "errors"];

interface Group {
  connections: number;
  depth: number;
  rate: number | null;
  rows: ModeSummary[];
}

function groups(result: CompareResult): Group[] {
  const out: Group[] = [];
  for (const s of result.summaries) {
    let g = out.find((x) => x.connections === s.connections && x.depth === s.depth && x.rate === s.rate);
    if (g === undefined) {
      g = { connections: s.connections, depth: s.depth, rate: s.rate, rows: [] };
      out.push(g);
    }
    g.rows.push(s);
  }
  return out;
}

/** The comparison as text tables, one per configuration. */
export function formatCompare(result: CompareResult): string {
  const parts: string[] = [];
  for (const g of groups(result)) {
    parts.push(`${shapeLabel(g)} (medians of ${result.rounds}, min–max over the rounds; × = ratio to ${result.baseline})`);
    parts.push(table(SUMMARY_HEADER, summaryRows(g.rows)));
    parts.push("");
  }
  return parts.join("\n");
}

/** A Markdown table: the first `leftColumns` columns (labels) left-aligned, the rest (figures) right-aligned. */
export function markdownTable(header: string[], rows: string[][], leftColumns = 1): string {
  return [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < leftColumns ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** A spread of microseconds in milliseconds. */
function inMs(s: Spread): Spread {
  return { ...s, min: s.min / 1000, max: s.max / 1000, q1: s.q1 / 1000, q3: s.q3 / 1000, median: s.median / 1000 };
}

function barsNote(rounds: number): string {
  return rounds > 1 ? `bars: min–max of ${rounds} rounds` : "one round: no bars";
}

/**
 * The latency distribution of each series' rounds, HDR style (percentile
 * on a log10(1/(1−p)) axis, latency on a log axis): the median of the
 * rounds at each percentile, bars from the lowest to the highest round.
 * Percentiles past what the smallest round can resolve (1/(1−p) above its
 * count) are left out rather than drawn from one sample.
 */
export function distributionChart(o: { title: string; series: { name: string; rounds: LoadResult[] }[]; facts: string }): string {
  let decades = 1;
  const series: ChartSeries[] = o.series.map((s) => {
    const count = Math.min(...s.rounds.map((r) => r.latencyUs.count));
    const dists = s.rounds.map((r) => r.distributionUs);
    const points: Point[] = [];
    for (let i = 0; i < (dists[0]?.length ?? 0); i++) {
      const p = dists[0][i][0];
      if (p >= 100 || 100 / (100 - p) > count) continue;
      const values = dists.map((d) => d[i]?.[1] ?? Number.NaN).map((us) => us / 1000);
      const x = percentileAxis(p);
      decades = Math.max(decades, Math.ceil(x - 1e-9));
      points.push({ x, y: median(values), yLo: Math.min(...values), yHi: Math.max(...values) });
    }
    return { name: s.name, points };
  });
  const rounds = Math.max(...o.series.map((s) => s.rounds.length));
  return chart({ title: o.title, xLabel: "percentile", yLabel: "latency (ms, log)", xTicks: percentileTicks(decades), xDomain: [0, decades], yLog: true, series, facts: o.facts, bars: barsNote(rounds) });
}


/**
 * Writes `report.md` and, per depth, `throughput-d<depth>.svg` and
 * `p99-d<depth>.svg` (one line per mode against connections, bars min–max
 * over the rounds), and per configuration `latency-c<c>-d<d>.svg` (the
 * latency distribution of every mode) into `dir`. Returns the Markdown.
 */
export function writeReport(dir: string, result: CompareResult, meta: { command: string; mix: string; facts: RunFacts; warnings: string[] }): string {
  mkdirSync(dir, { recursive: true });
  const facts = factsLine(meta.facts);
  const depths = [...new Set(result.summaries.map((s) => s.depth))];
  const connections = [...new Set(result.summaries.map((s) => s.connections))].toSorted((a, b) => a - b);
  const bars = barsNote(result.rounds);
  const charts: string[] = [];
  for (const d of depths) {
    const series = (pick: (s: ModeSummary) => [number, Spread]): Series[] =>
      result.modes.map((m) => {
        const at = connections.map((c) => result.summaries.find((x) => x.mode === m.name && x.connections === c && x.depth === d));
        const figure = at.map((s) => (s === undefined ? null : pick(s)));
        return { name: m.name, values: figure.map((f) => f?.[0] ?? Number.NaN), lo: figure.map((f) => f?.[1].min ?? Number.NaN), hi: figure.map((f) => f?.[1].max ?? Number.NaN) };
      });
    const tp = `throughput-d${d}.svg`;
    const lat = `p99-d${d}.svg`;
    writeFileSync(path.join(dir, tp), lineChart({ title: `Throughput, depth ${d}, ${meta.mix}`, xLabel: "connections", yLabel: "requests/s (median)", xs: connections, series: series((s) => [s.rps, s.spread.rps]), facts, bars }));
    writeFileSync(path.join(dir, lat), lineChart({ title: `p99 latency, depth ${d}, ${meta.mix}`, xLabel: "connections", yLabel: "p99 (ms, median)", xs: connections, series: series((s) => [s.p99Us / 1000, inMs(s.spread.p99Us)]), facts, bars }));
    charts.push(`![throughput, depth ${d}](${tp}) ![p99, depth ${d}](${lat})`);
  }
  const distributions: string[] = [];
  for (const g of groups(result)) {
    const file = g.rate !== null ? `latency-c${g.connections}-rate${g.rate}.svg` : `latency-c${g.connections}-d${g.depth}.svg`;
    writeFileSync(path.join(dir, file), distributionChart({ title: `Latency distribution, ${shapeLabel(g)}, ${meta.mix}`, series: g.rows.map((s) => ({ name: s.mode, rounds: s.rounds })), facts }));
    distributions.push(`![latency distribution, ${shapeLabel(g)}](${file})`);
  }
  const lines: string[] = [];
  lines.push(`# bench compare: ${meta.mix}`);
  lines.push("");
  lines.push("Produced by:");
  lines.push("");
  lines.push("```");
  lines.push(meta.command);
  lines.push("```");
  lines.push("");
  lines.push(`Run facts: ${facts}.`);
  lines.push("");
  lines.push(
    `${result.rounds} rounds, modes interleaved (order rotated each round), ${meta.facts.durationS}s measured after ${meta.facts.warmupS}s warm-up per run; ` +
      `figures are medians over the rounds with their min–max, ratios (×) are to **${result.baseline}** from the same run. ` +
      "srv µs/req: the server process's CPU per reply; owner µs/req: its state-owner thread's (the main thread for a single-owner server); " +
      "bench µs/req: the load generator's own CPU per reply.",
  );
  lines.push("");
  if (meta.warnings.length > 0) {
    lines.push("Spread warnings (rounds that disagree; read those medians with care):");
    lines.push("");
    for (const w of meta.warnings) lines.push(`- ${w}`);
    lines.push("");
  }
  for (const g of groups(result)) {
    lines.push(`## ${g.connections} connections, ${g.rate !== null ? `rate ${g.rate}/s` : `depth ${g.depth}`}`);
    lines.push("");
    lines.push(markdownTable(SUMMARY_HEADER, summaryRows(g.rows)));
    lines.push("");
  }
  lines.push("## Charts");
  lines.push("");
  lines.push(...charts);
  lines.push("");
  lines.push("## Latency distributions");
  lines.push("");
  lines.push(...distributions);
  lines.push("");
  lines.push("## Modes");
  lines.push("");
  for (const m of result.modes) lines.push(`- **${m.name}**: \`${displayCommand(m.command)}\``);
  lines.push("");
  const md = lines.join("\n");
  writeFileSync(path.join(dir, "report.md"), md);
  return md;
}
