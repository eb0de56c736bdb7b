import type { CheckRunResult } from "./check-run.ts";
import { formatInt } from "./report.ts";
import { formatWitness } from "./witness-format.ts";

const OUTCOME_LINE: Record<CheckRunResult["outcome"], string> = {
  linearizable: "LINEARIZABLE",
  violation: "NOT LINEARIZABLE",
  undecided: "UNDECIDED",
};

/** The terminal summary of a checked run: figures, then the outcome and, on a violation, the witness. */
export function formatCheckSummary(r: CheckRunResult): string {
  const lines = [
    `operations ${formatInt(r.operations)} (${formatInt(r.answered)} answered, ${formatInt(r.unanswered)} unanswered) in ${r.runSeconds.toFixed(2)} s from ${r.clients} clients on ${r.targets.join(", ")}`,
    `histories ${formatInt(r.histories)} (longest ${formatInt(r.longestHistory)} operations), checked in ${r.checkSeconds.toFixed(3)} s (${formatInt(r.searchSteps)} search steps)`,
    `reconnects ${r.reconnects}, connections dropped with operations in flight ${r.drops}, reply timeouts ${r.timeouts}, disconnects mid-line ${r.disconnects}`,
  ];
  for (const e of r.protocolErrors.slice(0, 5)) lines.push(`protocol violation: ${e}`);
  if (r.witness !== null) lines.push("", formatWitness(r.witness));
  lines.push("", r.reason === null ? OUTCOME_LINE[r.outcome] : `${OUTCOME_LINE[r.outcome]}: ${r.reason}`);
  return lines.join("\n");
}

/** The --report file: a Markdown summary a person can keep beside a run. */
export function formatCheckMarkdown(r: CheckRunResult, command: string): string {
  const rows: [string, string][] = [
    ["outcome", r.reason === null ? OUTCOME_LINE[r.outcome] : `${OUTCOME_LINE[r.outcome]}: ${r.reason}`],
    ["operations", `${formatInt(r.operations)} (${formatInt(r.answered)} answered, ${formatInt(r.unanswered)} unanswered)`],
    ["clients", `${r.clients} on ${r.targets.join(", ")}`],
    ["histories", `${formatInt(r.histories)}, each on its own ${r.namesPerHistory} names`],
    ["history length", `longest ${formatInt(r.longestHistory)} operations`],
    ["run time", `${r.runSeconds.toFixed(2)} s`],
    ["check time", `${r.checkSeconds.toFixed(3)} s (${formatInt(r.searchSteps)} search steps)`],
    ["faults seen", `${r.reconnects} reconnects, ${r.drops} connections dropped with operations in flight, ${r.timeouts} reply timeouts, ${r.disconnects} disconnects mid-line`],
    ["seed", String(r.seed)],
    ["name prefix", `\`${r.tag}.\``],
  ];
  const out = [
    "# Linearizability check",
    "",
    `Command: \`${command}\``,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| ${k} | ${v.replaceAll("|", "\\|")} |`),
  ];
  if (r.protocolErrors.length > 0) out.push("", "## Protocol violations", "", ...r.protocolErrors.slice(0, 20).map((e) => `- ${e}`));
  if (r.witness !== null) out.push("", "## Violation", "", "```", formatWitness(r.witness), "```");
  return `${out.join("\n")}\n`;
}
