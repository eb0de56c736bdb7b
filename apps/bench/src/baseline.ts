import { readFileSync } from "node:fs";
import { fixed } from "./format.ts";
import type { Machine } from "./facts.ts";

/**
 * A run's headline figures per configuration, as a `--json` output holds
 * them (`run`: `results`; `compare`, `sweep`: `summaries`, medians of
 * rounds), for comparing with a saved baseline.
 */
export interface Figures {
  key: string;
  rps: number;
  p99Us: number;
  cpuUsPerRequest: number;
  connectionsPerSecond: number;
}

interface JsonRow {
  mode?: string;
  connections: number;
  depth: number;
  rate: number | null;
  linesPerConnection?: number | null;
  rps: number;
  p99Us?: number;
  latencyUs?: { p99: number };
  cpuUsPerRequest?: number;
  server?: { cpuUsPerRequest: number } | null;
  connectionsPerSecond?: number | null;
}

export class BaselineError extends Error {
  override name = "BaselineError";
}

function keyOf(r: JsonRow): string {
  const shape = r.rate !== null ? `c=${r.connections} rate=${r.rate}` : r.linesPerConnection ? `churn c=${r.connections} lines=${r.linesPerConnection}` : `c=${r.connections} d=${r.depth}`;
  return r.mode === undefined ? shape : `${r.mode} ${shape}`;
}

/** The figures of a `--json` output (already parsed). */
export function figuresOf(json: unknown): Figures[] {
  const o = json as { results?: JsonRow[]; summaries?: JsonRow[] };
  const rows = o.summaries ?? o.results;
  if (!Array.isArray(rows)) throw new BaselineError("has neither results nor summaries: not a bench --json output");
  return rows.map((r) => ({
    key: keyOf(r),
    rps: r.rps,
    p99Us: r.p99Us ?? r.latencyUs?.p99 ?? Number.NaN,
    cpuUsPerRequest: r.cpuUsPerRequest ?? r.server?.cpuUsPerRequest ?? Number.NaN,
    connectionsPerSecond: r.connectionsPerSecond ?? Number.NaN,
  }));
}

export interface SavedBaseline {
  figures: Figures[];
  machine: Machine | null;
}

export function readBaseline(file: string): SavedBaseline {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new BaselineError(`--baseline-file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  try {
    return { figures: figuresOf(json), machine: (json as { facts?: { machine?: Machine } }).facts?.machine ?? null };
  } catch (err) {
    throw new BaselineError(`--baseline-file ${file}: ${(err as Error).message}`);
  }
}

export interface Regression {
  key: string;
  figure: string;
  baseline: number;
  current: number;
  /** How much worse, in percent of the baseline (always positive). */
  worsePercent: number;
}

/** Each figure, and whether more of it is better. */
const FIGURES: [keyof Omit<Figures, "key">, string, boolean][] = [
  ["rps", "rps", true],
  ["connectionsPerSecond", "connections/s", true],
  ["p99Us", "p99 µs", false],
  ["cpuUsPerRequest", "server CPU µs/req", false],
];

/**
 * Every figure of a configuration both runs measured that is worse than the
 * baseline's by more than `thresholdPercent`: less throughput, more p99
 * latency, more server CPU per request. A configuration only one of them
 * has is not compared; none in common is an error (the wrong file).
 */
export function regressions(current: readonly Figures[], baseline: readonly Figures[], thresholdPercent: number): Regression[] {
  const out: Regression[] = [];
  let common = 0;
  for (const c of current) {
    const b = baseline.find((x) => x.key === c.key);
    if (b === undefined) continue;
    common++;
    for (const [field, name, higherIsBetter] of FIGURES) {
      const was = b[field];
      const now = c[field];
      if (!Number.isFinite(was) || !Number.isFinite(now) || was <= 0) continue;
      const worse = ((higherIsBetter ? was - now : now - was) / was) * 100;
      if (worse > thresholdPercent) out.push({ key: c.key, figure: name, baseline: was, current: now, worsePercent: worse });
    }
  }
  if (common === 0) throw new BaselineError("the baseline shares no configuration with this run (another command or other flags?)");
  return out;
}

/** The one line CI shows: the worst regression, and how many more. */
export function regressionLine(found: readonly Regression[], file: string, thresholdPercent: number): string {
  const worst = found.toSorted((a, b) => b.worsePercent - a.worsePercent)[0];
  const more = found.length > 1 ? ` (and ${found.length - 1} more)` : "";
  return `regression against ${file}: ${worst.key} ${worst.figure} ${fixed(worst.current, 1)} vs ${fixed(worst.baseline, 1)}, ${fixed(worst.worsePercent, 1)}% worse, over --threshold ${thresholdPercent}%${more}`;
}

/** A warning when the baseline was measured on another kind of machine. */
export function machineWarning(saved: Machine | null, now: Machine): string | null {
  if (saved === null) return null;
  const diffs: string[] = [];
  if (saved.cpuModel !== now.cpuModel) diffs.push(`cpu ${saved.cpuModel} → ${now.cpuModel}`);
  if (saved.cores !== now.cores) diffs.push(`cores ${saved.cores} → ${now.cores}`);
  if (saved.node !== now.node) diffs.push(`node ${saved.node} → ${now.node}`);
  return diffs.length === 0 ? null : `warning: the baseline was measured on another machine (${diffs.join(", ")}): its figures may not compare`;
}
