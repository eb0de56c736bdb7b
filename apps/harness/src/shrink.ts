import type { History, HistoryOp } from "./history.ts";
import { type CheckOptions, checkHistory } from "./linearizability.ts";

/**
 * A small failing sub-history for a person to read, found only by steps
 * that keep it a proof: whatever is shown is itself not linearizable, and
 * that implies the whole history is not.
 *
 * 1. The shortest failing prefix. Cut at an instant T, a history keeps the
 *    operations invoked by T; those answered after T count as unanswered.
 *    Every prefix of a linearizable history is linearizable (Herlihy and
 *    Wing), so the earliest cut that fails is where the violation happened;
 *    cuts are monotone, so a binary search over the response times finds it.
 *    (Those answered after T with FAIL are left out: see prefixAt.)
 * 2. Drop what cannot matter: a QUERY, and any command refused with FAIL,
 *    leaves the spec's state as it was, so deleting one only removes a
 *    constraint; each is dropped when the rest still fails. INDEX and
 *    REMOVE answered OK stay: deleting a change could turn a correct reply
 *    into an unexplained one and "prove" a violation that is not there.
 */
export interface WitnessOp {
  /** The operation as recorded. */
  op: HistoryOp;
  /** True when its reply came only after the cut: in the witness it counts as unanswered. */
  answeredAfterCut: boolean;
}

export interface Witness {
  label: string;
  names: string[];
  /** The instant of the cut (a response time). */
  cutAt: number;
  ops: WitnessOp[];
  /** Operations in the whole history. */
  historyOps: number;
  /** Operations in the shortest failing prefix, before step 2. */
  prefixOps: number;
}

function asHistory(label: string, names: string[], ops: readonly WitnessOp[]): History {
  return {
    label,
    names,
    ops: ops.map(({ op, answeredAfterCut }) => (answeredAfterCut ? { ...op, respond: null, reply: null } : op)),
  };
}

function prefixAt(history: History, cut: number): WitnessOp[] {
  const out: WitnessOp[] = [];
  for (const op of history.ops) {
    if (op.invoke > cut) continue;
    const answeredAfterCut = op.reply !== null && op.respond !== null && op.respond > cut;
    // An unanswered QUERY neither changes nor shows anything. Nor, in any
    // linearization of the whole history, does a command whose reply (come
    // after the cut) was FAIL: it changed nothing, so leaving it out keeps
    // the implication, and spares the search an unanswered operation.
    if (op.command === "QUERY" && (answeredAfterCut || op.reply === null)) continue;
    if (answeredAfterCut && op.reply !== "OK") continue;
    out.push({ op, answeredAfterCut });
  }
  return out;
}

/**
 * Shrinks a history the checker found not linearizable. `options` bounds
 * each re-check; a re-check that cannot decide keeps the larger history.
 */
export function shrinkViolation(history: History, options: CheckOptions = {}): Witness {
  const fails = (ops: readonly WitnessOp[]): boolean => checkHistory(asHistory(history.label, history.names, ops), options).verdict === "violation";
  const cuts = [...new Set(history.ops.flatMap((op) => (op.respond !== null && op.reply !== null ? [op.respond] : [])))].toSorted((a, b) => a - b);
  cuts.push(Number.POSITIVE_INFINITY);
  // The smallest cut index whose prefix fails; the last one (everything) does.
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(prefixAt(history, cuts[mid]))) hi = mid;
    else lo = mid + 1;
  }
  const cutAt = cuts[lo];
  let ops = prefixAt(history, cutAt);
  const prefixOps = ops.length;
  // Latest first: later reads and refusals are the likeliest to be unneeded noise around the failing reply.
  for (let i = ops.length - 1; i >= 0; i--) {
    const { op, answeredAfterCut } = ops[i];
    const droppable = op.command === "QUERY" || (!answeredAfterCut && op.reply === "FAIL");
    if (!droppable) continue;
    const without = ops.toSpliced(i, 1);
    if (fails(without)) ops = without;
  }
  return { label: history.label, names: history.names, cutAt, ops, historyOps: history.ops.length, prefixOps };
}
