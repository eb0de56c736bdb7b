import type { LoadResult } from "./run.ts";
import type { Spread } from "./stats.ts";

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function int(n: number): string {
  return Number.isFinite(n) ? intFmt.format(n) : "-";
}

export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

/** Microseconds as µs below 10 ms, else ms. */
export function micros(us: number): string {
  if (!Number.isFinite(us)) return "-";
  return us < 10_000 ? `${int(us)}µs` : `${fixed(us / 1000, 1)}ms`;
}

/** A plain text table, first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** A spread as `min–max` in the figure's own format. */
export function range(s: Spread, format: (n: number) => string): string {
  return s.n === 0 ? "-" : `${format(s.min)}–${format(s.max)}`;
}

export const RESULT_HEADER = ["load", "rps", "rps min–max", "p50", "p90", "p99", "p99.9", "max", "OK", "FAIL", "ERROR", "errors", "conn/s", "srv µs/conn", "srv µs/req", "owner µs/req", "RSS start", "RSS peak", "RSS end", "bench µs/req"];

export function loadLabel(r: LoadResult): string {
  if (r.linesPerConnection !== null) return `churn c=${r.connections} lines=${r.linesPerConnection}`;
  return r.rate !== null ? `c=${r.connections} rate=${int(r.rate)}/s` : `c=${r.connections} d=${r.depth}`;
}

/** The state owner's thread, or the main thread of a single-owner server. */
export function ownerCpu(r: LoadResult): number {
  const threads = r.server?.threads ?? [];
  const owner = threads.find((t) => t.name === "state-owner") ?? threads.find((t) => t.name === "MainThread");
  return owner?.usPerRequest ?? Number.NaN;
}

export function resultRow(label: string, r: LoadResult): string[] {
  const l = r.latencyUs;
  return [
    label,
    int(r.rps),
    range(r.rpsIntervals, int),
    micros(l.p50),
    micros(l.p90),
    micros(l.p99),
    micros(l.p999),
    micros(l.max),
    int(r.ok),
    int(r.fail),
    int(r.error),
    int(r.errors),
    int(r.connectionsPerSecond ?? Number.NaN),
    fixed(r.server?.cpuUsPerConnection ?? Number.NaN),
    fixed(r.server?.cpuUsPerRequest ?? Number.NaN),
    fixed(ownerCpu(r)),
    fixed(r.server?.rss.startMiB ?? Number.NaN),
    fixed(r.server?.rss.peakMiB ?? Number.NaN),
    fixed(r.server?.rss.endMiB ?? Number.NaN),
    fixed(r.benchCpuUsPerRequest),
  ];
}

/** A one-line progress bar for stderr. */
export function progressBar(label: string, elapsedMs: number, durationMs: number, replies: number): string {
  const width = 24;
  const share = Math.min(1, durationMs > 0 ? elapsedMs / durationMs : 1);
  const filled = Math.round(share * width);
  const rate = elapsedMs > 0 ? (replies * 1000) / elapsedMs : 0;
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${fixed(elapsedMs / 1000)}/${fixed(durationMs / 1000)}s  ${int(replies)} replies  ${int(rate)}/s`;
}

/** A figure for a Markdown table, or an en dash where it does not apply (NaN). */
export function orDash(n: number, digits: number): string {
  return Number.isNaN(n) ? "–" : n.toFixed(digits);
}
