import type { ChangeRetention } from "@pkgindex/store";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--feed-retention` (here, beside the other options, so that starting the
 * CLI loads nothing of the feed): a count of revisions (`10000`) or an age (`90s`,
 * `30m`, `1h`, `7d`). Returns the reason as a string when the text is
 * neither.
 */
export function parseRetention(text: string): ChangeRetention | string {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) return `expected a count of revisions (10000) or an age (90s, 30m, 1h, 7d), got ${JSON.stringify(text)}`;
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value) || value < 1) return `expected at least 1, got ${JSON.stringify(text)}`;
  if (match[2] === "") return { revisions: value };
  return { ageMs: value * UNIT_MS[match[2]] };
}
