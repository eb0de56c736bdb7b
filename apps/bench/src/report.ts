import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CompareResult, ModeSummary } from "./compare.ts";
import { fixed, int, micros, table } from "./format.ts";
import { REPO_ROOT } from "./server.ts";

/** A command as a reader can retype it: `node`, paths from the repository root. */
export function displayCommand(command: string): string {
  return command.replaceAll(process.execPath, "node").replaceAll(`${REPO_ROOT}/`, "");
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export interface Series {
  name: string;
  values: number[];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Tick step of 1, 2 or 5 times a power of ten giving about five ticks. */
function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

function tickLabel(v: number): string {
  if (v >= 1_000_000) return `${fixed(v / 1_000_000, v % 1_000_000 === 0 ? 0 : 1)}M`;
  if (v >= 1000) return `${fixed(v / 1000, v % 1000 === 0 ? 0 : 1)}k`;
  return String(Math.round(v * 100) / 100);
}

/**
 * A line chart as a standalone SVG: x is categorical (connection counts,
 * evenly spaced), y starts at zero, one line and legend entry per series.
 */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; xs: number[]; series: Series[] }): string {
  const W = 640;
  const H = 360;
  const left = 70;
  const right = 150;
  const top = 40;
  const bottom = 50;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const finite = o.series.flatMap((s) => s.values.filter(Number.isFinite));
  const max = Math.max(1e-9, ...finite);
  const step = niceStep(max * 1.05);
  const yMax = Math.ceil((max * 1.05) / step) * step;
  const x = (i: number): number => left + (o.xs.length === 1 ? pw / 2 : (i * pw) / (o.xs.length - 1));
  const y = (v: number): number => top + ph - (v / yMax) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${left}" y1="${yy}" x2="${left + pw}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${tickLabel(v)}</text>`);
  }
  o.xs.forEach((xv, i) => {
    out.push(`<text x="${x(i).toFixed(1)}" y="${top + ph + 18}" text-anchor="middle">${xv}</text>`);
  });
  out.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  o.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null)).filter((p) => p !== null);
    if (points.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${points.join(" ")}"/>`);
    for (const p of points) {
      const [px, py] = p.split(",");
      out.push(`<circle cx="${px}" cy="${py}" r="4" fill="${color}"/>`);
    }
    const ly = top + 10 + k * 20;
    out.push(`<line x1="${left + pw + 14}" y1="${ly}" x2="${left + pw + 34}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${left + pw + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function summaryRows(rows: ModeSummary[]): string[][] {
  return rows.map((s) => [
    s.mode,
    int(s.rps),
    `${fixed(s.rpsRatio, 2)}×`,
    micros(s.p50Us),
    micros(s.p99Us),
    fixed(s.cpuUsPerRequest),
    `${fixed(s.cpuRatio, 2)}×`,
    fixed(s.ownerUsPerRequest),
    fixed(s.rssMiB),
    fixed(s.benchUsPerRequest),
    int(s.errors),
  ]);
}

const SUMMARY_HEADER = ["mode", "rps", "rps ×", "p50", "p99", "srv µs/req", "cpu ×", "owner µs/req", "RSS MiB", "bench µs/req", "errors"];

function groups(result: CompareResult): { connections: number; depth: number; rows: ModeSummary[] }[] {
  const out: { connections: number; depth: number; rows: ModeSummary[] }[] = [];
  for (const s of result.summaries) {
    let g = out.find((x) => x.connections === s.connections && x.depth === s.depth);
    if (g === undefined) {
      g = { connections: s.connections, depth: s.depth, rows: [] };
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
    parts.push(`c=${g.connections} depth=${g.depth} (medians of ${result.rounds}; × = ratio to ${result.baseline})`);
    parts.push(table(SUMMARY_HEADER, summaryRows(g.rows)));
    parts.push("");
  }
  return parts.join("\n");
}

/** A Markdown table: the first `leftColumns` columns (labels) left-aligned, the rest (figures) right-aligned. */
export function markdownTable(header: string[], rows: string[][], leftColumns = 1): string {
  return [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < leftColumns ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/**
 * Writes `report.md` and, per depth, `throughput-d<depth>.svg` and
 * `p99-d<depth>.svg` (one line per mode against connections) into `dir`.
 * Returns the Markdown.
 */
export function writeReport(dir: string, result: CompareResult, meta: { command: string; mix: string; durationS: number; warmupS: number }): string {
  mkdirSync(dir, { recursive: true });
  const depths = [...new Set(result.summaries.map((s) => s.depth))];
  const connections = [...new Set(result.summaries.map((s) => s.connections))].toSorted((a, b) => a - b);
  const charts: string[] = [];
  for (const d of depths) {
    const series = (pick: (s: ModeSummary) => number): Series[] =>
      result.modes.map((m) => ({
        name: m.name,
        values: connections.map((c) => {
          const s = result.summaries.find((x) => x.mode === m.name && x.connections === c && x.depth === d);
          return s === undefined ? Number.NaN : pick(s);
        }),
      }));
    const tp = `throughput-d${d}.svg`;
    const lat = `p99-d${d}.svg`;
    writeFileSync(path.join(dir, tp), lineChart({ title: `Throughput, depth ${d}, ${meta.mix}`, xLabel: "connections", yLabel: "requests/s (median)", xs: connections, series: series((s) => s.rps) }));
    writeFileSync(path.join(dir, lat), lineChart({ title: `p99 latency, depth ${d}, ${meta.mix}`, xLabel: "connections", yLabel: "p99 (ms, median)", xs: connections, series: series((s) => s.p99Us / 1000) }));
    charts.push(`![throughput, depth ${d}](${tp}) ![p99, depth ${d}](${lat})`);
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
  lines.push(
    `${os.cpus().length} cores, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}. ` +
      `${result.rounds} rounds, modes interleaved (order rotated each round), ${meta.durationS}s measured after ${meta.warmupS}s warm-up per run; ` +
      `figures are medians over the rounds, ratios (×) are to **${result.baseline}** from the same run. ` +
      "srv µs/req: the server process's CPU per reply; owner µs/req: its state-owner thread's (the main thread for a single-owner server); " +
      "bench µs/req: the load generator's own CPU per reply.",
  );
  lines.push("");
  for (const g of groups(result)) {
    lines.push(`## ${g.connections} connections, depth ${g.depth}`);
    lines.push("");
    lines.push(markdownTable(SUMMARY_HEADER, summaryRows(g.rows)));
    lines.push("");
  }
  lines.push("## Charts");
  lines.push("");
  lines.push(...charts);
  lines.push("");
  lines.push("## Modes");
  lines.push("");
  for (const m of result.modes) lines.push(`- **${m.name}**: \`${displayCommand(m.command)}\``);
  lines.push("");
  const md = lines.join("\n");
  writeFileSync(path.join(dir, "report.md"), md);
  return md;
}
