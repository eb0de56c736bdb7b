/**
 * A recorded history: what each client asked, when (a monotonic clock, in
 * milliseconds), and what came back. It is all the checker sees of a
 * server, so it can judge any server, one node or many.
 */
export type Command = "INDEX" | "REMOVE" | "QUERY";

export interface HistoryOp {
  /** The client (one connection at a time, in the order it sent) that issued it. */
  client: number;
  /**
   * The client's connection it went out on (a new number on each
   * reconnect). Commands on one connection take effect in the order sent
   * (DESIGN.md §2-3: in-order replies, applied in arrival order), which only
   * binds pipelined requests; undefined: no such promise.
   */
  connection?: number;
  command: Command;
  name: string;
  /** INDEX only; empty for REMOVE and QUERY. */
  deps: string[];
  /** When the request was about to be written (performance.now(), ms). */
  invoke: number;
  /** When the reply was read; null when none came (the connection dropped or timed out). */
  respond: number | null;
  /**
   * The reply line as received; null when none came: the operation may have
   * taken effect at any moment after `invoke`, or never.
   */
  reply: string | null;
}

/**
 * One independently checkable history: the operations on a set of names no
 * other history touches. Linearizability is local (Herlihy and Wing), so a
 * run made of such histories is linearizable exactly when each one is.
 * The index starts with none of `names` indexed.
 */
export interface History {
  /** What to call it in a report, e.g. "round 12". */
  label: string;
  /** Every name its operations use (at most MAX_NAMES). */
  names: string[];
  ops: HistoryOp[];
}

/** The request line an operation sent (without its newline). */
export function requestLine(op: Pick<HistoryOp, "command" | "name" | "deps">): string {
  return `${op.command}|${op.name}|${op.deps.join(",")}`;
}
