import type { History, HistoryOp } from "./history.ts";
import { EMPTY_STATE, KIND_INDEX, KIND_QUERY, KIND_REMOVE, MAX_NAMES, type Step, step } from "./packed-spec.ts";

/**
 * Linearizability of one history against the index's sequential spec: the
 * Wing–Gong search as Lowe improved it and Porcupine implements it
 * (anishathalye/porcupine, checker.go). Calls and returns sit in one
 * time-ordered linked list; the search linearizes the earliest call it can
 * (its reply must be the spec's in the current state), lifts it out of the
 * list, and backtracks when it meets the return of an operation it has not
 * linearized. A (linearized set, state) pair already explored is never
 * explored again: that memo is what keeps the search polynomial on real
 * histories.
 *
 * INDEX and REMOVE couple names (dependencies), so a history cannot be
 * split per name; callers keep each history to a small name set instead
 * (see History).
 *
 * Pipelined commands on one connection take effect in the order sent
 * (HistoryOp.connection): a call waits for its predecessor's.
 *
 * An operation without a reply may have taken effect at any moment after
 * its invocation, or never. It is given a return at +infinity and accepts
 * any reply; "never" needs nothing more, because linearizing it after
 * every answered operation changes no reply anyone saw.
 */

export type Verdict = "linearizable" | "violation" | "undecided";

export interface CheckOptions {
  /** Give up ("undecided") after this many search steps. */
  maxSteps?: number;
  /** Give up ("undecided") once performance.now() passes this. */
  deadline?: number;
}

export interface CheckResult {
  verdict: Verdict;
  /** Search steps taken (entries visited), a measure of the work. */
  steps: number;
  /** Operations searched (unanswered QUERYs are dropped: they neither change nor show anything). */
  ops: number;
}

const REPLY_OK = 0;
const REPLY_FAIL = 1;
/** ERROR or anything else: no state of the spec produces it. */
const REPLY_IMPOSSIBLE = 2;
const REPLY_UNKNOWN = 3;

const KINDS: Record<string, number> = { INDEX: KIND_INDEX, REMOVE: KIND_REMOVE, QUERY: KIND_QUERY };

/** A history as typed arrays, operations in invocation order. */
interface Packed {
  n: number;
  names: number;
  kind: Uint8Array;
  name: Uint8Array;
  deps: Uint8Array;
  reply: Uint8Array;
  invoke: Float64Array;
  respond: Float64Array;
  /** The previous op on the same connection (it must take effect first), or -1. */
  after: Int32Array;
}

function pack(history: History): Packed {
  if (history.names.length > MAX_NAMES) throw new Error(`${history.label}: ${history.names.length} names, the checker handles at most ${MAX_NAMES}`);
  const index = new Map(history.names.map((name, i) => [name, i]));
  const id = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`${history.label}: operation on ${name}, which is not one of its names`);
    return i;
  };
  const ops: HistoryOp[] = history.ops.filter((op) => !(op.reply === null && op.command === "QUERY"));
  ops.sort((a, b) => a.invoke - b.invoke);
  const n = ops.length;
  const packed: Packed = {
    n,
    names: history.names.length,
    kind: new Uint8Array(n),
    name: new Uint8Array(n),
    deps: new Uint8Array(n),
    reply: new Uint8Array(n),
    invoke: new Float64Array(n),
    respond: new Float64Array(n),
    after: new Int32Array(n).fill(-1),
  };
  const lastOnConnection = new Map<string, number>();
  ops.forEach((op, i) => {
    packed.kind[i] = KINDS[op.command];
    packed.name[i] = id(op.name);
    packed.deps[i] = op.deps.reduce((mask, d) => mask | (1 << id(d)), 0);
    packed.reply[i] = op.reply === null ? REPLY_UNKNOWN : op.reply === "OK" ? REPLY_OK : op.reply === "FAIL" ? REPLY_FAIL : REPLY_IMPOSSIBLE;
    packed.invoke[i] = op.invoke;
    packed.respond[i] = op.reply === null || op.respond === null ? Number.POSITIVE_INFINITY : op.respond;
    if (op.connection !== undefined) {
      const key = `${op.client}/${op.connection}`;
      packed.after[i] = lastOnConnection.get(key) ?? -1;
      lastOnConnection.set(key, i);
    }
  });
  return packed;
}

/** Checks one history; see the module comment for what an unanswered operation means. */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const p = pack(history);
  const n = p.n;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;

  // Entry 2i is op i's call, 2i+1 its return; HEAD is the list's sentinel.
  // Sorted by time, a call before a return at the same instant: operations
  // that touch count as concurrent, which can only forgive, never accuse.
  const HEAD = 2 * n;
  const entries = Array.from({ length: 2 * n }, (_, e) => e);
  const time = (e: number): number => ((e & 1) === 0 ? p.invoke[e >> 1] : p.respond[e >> 1]);
  entries.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = HEAD;
  for (const e of entries) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;

  const lift = (call: number): void => {
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call]; // a call always has its return after it
    const ret = call + 1;
    next[prev[ret]] = next[ret];
    if (next[ret] !== -1) prev[next[ret]] = prev[ret];
  };
  const unlift = (call: number): void => {
    const ret = call + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== -1) prev[next[ret]] = ret;
    next[prev[call]] = call;
    prev[next[call]] = call;
  };

  // The linearized set, kept as `hi` (one past the highest linearized op,
  // in invocation order) and the sorted `holes` below it. Every op returned
  // before the search's position is linearized, so holes are at most the
  // operations in flight at once plus unanswered ones: a memo key of a few
  // numbers instead of an n-bit set per entry.
  let hi = 0;
  const holes: number[] = [];
  const linearized = new Uint8Array(n);
  const add = (op: number): void => {
    linearized[op] = 1;
    if (op < hi) {
      holes.splice(holes.indexOf(op), 1);
    } else {
      for (let i = hi; i < op; i++) holes.push(i);
      hi = op + 1;
    }
  };
  const drop = (op: number): void => {
    linearized[op] = 0;
    if (op === hi - 1) {
      hi = op;
      while (holes.length > 0 && holes[holes.length - 1] === hi - 1) {
        holes.pop();
        hi--;
      }
    } else {
      let at = holes.length;
      while (at > 0 && holes[at - 1] > op) at--;
      holes.splice(at, 0, op);
    }
  };

  const seen = new Set<string>();
  const stackOp = new Int32Array(n);
  const stackState = new Float64Array(n);
  let depth = 0;
  let state = EMPTY_STATE;
  const out: Step = { ok: false, state: 0 };
  let entry = next[HEAD];
  let steps = 0;
  while (next[HEAD] !== -1) {
    steps++;
    if (steps > maxSteps || ((steps & 4095) === 0 && performance.now() > deadline)) return { verdict: "undecided", steps, ops: n };
    if ((entry & 1) === 0) {
      const op = entry >> 1;
      if (p.after[op] !== -1 && linearized[p.after[op]] === 0) {
        entry = next[entry];
        continue;
      }
      step(state, p.kind[op], p.name[op], p.deps[op], p.names, out);
      const r = p.reply[op];
      if (r === REPLY_UNKNOWN || (r === REPLY_OK && out.ok) || (r === REPLY_FAIL && !out.ok)) {
        add(op);
        const key = `${out.state}:${hi}:${holes}`;
        if (!seen.has(key)) {
          seen.add(key);
          stackOp[depth] = op;
          stackState[depth] = state;
          depth++;
          state = out.state;
          lift(entry);
          entry = next[HEAD];
          continue;
        }
        drop(op);
      }
      entry = next[entry];
    } else {
      // The return of an op not linearized: undo the last choice.
      if (depth === 0) return { verdict: "violation", steps, ops: n };
      depth--;
      const op = stackOp[depth];
      state = stackState[depth];
      drop(op);
      unlift(2 * op);
      entry = next[2 * op];
    }
  }
  return { verdict: "linearizable", steps, ops: n };
}
