import { requestLine } from "./history.ts";
import type { Witness } from "./shrink.ts";

/**
 * A violation as a person reads it: the operations, their client, their
 * times (ms from the witness's first invocation) and replies, in
 * invocation order, with what the reader needs to judge it.
 */
export function formatWitness(witness: Witness): string {
  const ops = witness.ops.toSorted((a, b) => a.op.invoke - b.op.invoke);
  const t0 = ops.length > 0 ? ops[0].op.invoke : 0;
  const ms = (t: number): string => (t - t0).toFixed(3);
  const rows = ops.map(({ op, answeredAfterCut }) => [
    `c${op.client}`,
    ms(op.invoke),
    op.respond === null || answeredAfterCut ? "-" : ms(op.respond),
    requestLine(op),
    answeredAfterCut ? `(${op.reply} after the cut: counts as unanswered)` : op.reply === null ? "(no reply: may or may not have taken effect)" : op.reply,
  ]);
  const header = ["client", "invoked ms", "replied ms", "request", "reply"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  return [
    `NOT LINEARIZABLE: ${witness.label} (${witness.historyOps} operations on ${witness.names.join(" ")}).`,
    `No order of these ${ops.length} operations agrees with both their replies and real time (an operation`,
    `takes effect between its invocation and its reply; the names start unindexed). They are the shortest`,
    `failing prefix (${witness.prefixOps} operations) less the queries and refusals not needed to fail.`,
    `  ${line(header)}`,
    ...rows.map((r) => `  ${line(r)}`),
  ].join("\n");
}
