import { type HarnessResult, PHASE_TITLES, type PhaseSummary, type Progress } from "./harness.ts";

const fmt = new Intl.NumberFormat("en-US");

export function formatInt(n: number): string {
  return fmt.format(Math.round(n));
}

function pad(s: string, width: number, right = false): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

const COLUMNS: readonly [string, number][] = [
  ["phase", 24], ["passes", 6], ["time", 8], ["messages", 10], ["OK", 9], ["FAIL", 9], ["ERROR", 7], ["malformed", 9], ["disconn.", 8],
];

function row(cells: string[]): string {
  return cells.map((c, i) => pad(c, COLUMNS[i][1], i > 0)).join("  ");
}

function phaseRow(p: PhaseSummary): string {
  return row([
    PHASE_TITLES[p.phase],
    String(p.passes),
    `${p.seconds.toFixed(2)}s`,
    formatInt(p.messages),
    formatInt(p.ok),
    formatInt(p.fail),
    formatInt(p.error),
    formatInt(p.malformed),
    formatInt(p.disconnects),
  ]);
}

/** The human summary: a table of phases, then PASS or the first violation. */
export function formatSummary(result: HarnessResult): string {
  const lines = [row(COLUMNS.map(([name]) => name))];
  for (const p of result.phases) lines.push(phaseRow(p));
  if (result.failure === null) {
    lines.push(`PASS: all ${result.phases.length} phases, every reply consistent (${result.seconds.toFixed(2)}s)`);
  } else {
    const f = result.failure;
    lines.push(`FAIL in phase "${PHASE_TITLES[f.phase]}": ${f.message}`);
    if (f.request !== null) lines.push(`  request: ${JSON.stringify(f.request)}`);
    if (f.reply !== null) lines.push(`  reply:   ${f.reply}`);
  }
  return lines.join("\n");
}

export function formatProgress(p: Progress): string {
  const rate = p.seconds > 0 ? p.messages / p.seconds : 0;
  const pass = p.pass > 0 ? `pass ${p.pass}  ` : "";
  return `${PHASE_TITLES[p.phase]}  ${pass}${formatInt(p.done)}/${formatInt(p.total)} packages  ${formatInt(rate)} msg/s`;
}

/** One line when a phase ends (progress mode). */
export function formatPhaseDone(p: PhaseSummary): string {
  const passes = p.passes > 1 ? `, ${p.passes} passes` : "";
  return `${PHASE_TITLES[p.phase]}: done in ${p.seconds.toFixed(2)}s${passes}, ${formatInt(p.messages)} messages`;
}
