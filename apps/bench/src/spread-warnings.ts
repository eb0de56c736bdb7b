import { fixed } from "./format.ts";
import type { Spread } from "./stats.ts";

/** A figure measured several times (rounds, or a run's intervals) and how it spread. */
export interface SpreadCheck {
  /** The configuration, e.g. "c=10 d=1 pkgindex-w0". */
  label: string;
  /** What was measured, e.g. "rps over 3 rounds". */
  figure: string;
  spread: Spread;
}

/**
 * One warning line per figure whose samples disagree by more than
 * `maxPercent` of their median ((max − min) / median): a median of rounds
 * that far apart is not a figure to quote, or to compare against another.
 */
export function spreadWarnings(checks: readonly SpreadCheck[], maxPercent: number): string[] {
  const out: string[] = [];
  for (const c of checks) {
    const s = c.spread;
    if (s.n < 2 || !Number.isFinite(s.relative) || s.relative * 100 <= maxPercent) continue;
    out.push(`warning: ${c.label}: ${c.figure} disagree by ${fixed(s.relative * 100, 0)}% (${compact(s.min)}–${compact(s.max)}, median ${compact(s.median)}), more than --max-spread ${maxPercent}%`);
  }
  return out;
}

function compact(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : fixed(n, n >= 10 ? 1 : 2);
}
