import { describe, expect, it } from "vitest";
import { checkHistory, type History, type HistoryOp, Rng, simulateHistory, SpecModel } from "../src/index.ts";

const NAMES = ["a", "b", "c"];

/** An operation from a compact spec: `INDEX|a|b` with its interval and reply (null: none came). */
function op(line: string, invoke: number, respond: number | null, reply: string | null, client = 0): HistoryOp {
  const [command, name, deps] = line.split("|") as [HistoryOp["command"], string, string];
  return { client, command, name, deps: deps === "" ? [] : deps.split(","), invoke, respond, reply };
}
const history = (...ops: HistoryOp[]): History => ({ label: "test", names: NAMES, ops });

/**
 * The definition, by brute force: some order of all operations that keeps
 * real-time order (a before b when a replied before b was invoked) and in
 * which every answered operation gets the spec's reply. An unanswered one
 * accepts any reply; placed last it changes nothing seen, which is "never".
 */
function respondOf(o: HistoryOp): number {
  return o.reply === null || o.respond === null ? Number.POSITIVE_INFINITY : o.respond;
}

function bruteForce(h: History): boolean {
  const ops = h.ops;
  const used = new Array(ops.length).fill(false);
  const order: number[] = [];
  const extend = (): boolean => {
    if (order.length === ops.length) {
      const model = new SpecModel();
      return order.every((i) => {
        const got = model.apply(`${ops[i].command}|${ops[i].name}|${ops[i].deps.join(",")}`);
        return ops[i].reply === null || ops[i].reply === got;
      });
    }
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      // i may go next only if no unplaced op replied before i was invoked.
      if (ops.some((o, j) => !used[j] && j !== i && respondOf(o) < ops[i].invoke)) continue;
      used[i] = true;
      order.push(i);
      if (extend()) return true;
      order.pop();
      used[i] = false;
    }
    return false;
  };
  return extend();
}

/** INDEX a then QUERY a, sent at once, on the given connections. */
function pipelined(connection: number | undefined, second: number | undefined): History {
  return history({ ...op("INDEX|a|", 0, 2, "OK"), connection }, { ...op("QUERY|a|", 0, 2, "FAIL"), connection: second });
}

describe("the linearizability checker", () => {
  it("accepts a sequential history that follows the spec and refuses one that does not", () => {
    const ok = history(op("INDEX|a|", 0, 1, "OK"), op("INDEX|b|a", 2, 3, "OK"), op("REMOVE|a|", 4, 5, "FAIL"), op("QUERY|a|", 6, 7, "OK"));
    expect(checkHistory(ok).verdict).toBe("linearizable");
    const stale = history(op("INDEX|a|", 0, 1, "OK"), op("QUERY|a|", 2, 3, "FAIL", 1));
    expect(checkHistory(stale).verdict).toBe("violation");
  });

  it("lets concurrent operations take effect in either order, but real time binds", () => {
    // The QUERY overlaps the INDEX: FAIL (before) and OK (after) are both right.
    for (const reply of ["OK", "FAIL"]) {
      expect(checkHistory(history(op("INDEX|a|", 0, 2, "OK"), op("QUERY|a|", 1, 3, reply, 1))).verdict).toBe("linearizable");
    }
    // Two reads: once one saw the write, a later one must too.
    const flicker = history(op("INDEX|a|", 0, 10, "OK"), op("QUERY|a|", 1, 2, "OK", 1), op("QUERY|a|", 3, 4, "FAIL", 2));
    expect(checkHistory(flicker).verdict).toBe("violation");
  });

  it("takes an unanswered operation as having happened after its invocation, or never", () => {
    const happened = history(op("INDEX|a|", 0, null, null), op("QUERY|a|", 1, 2, "OK", 1));
    const never = history(op("INDEX|a|", 0, null, null), op("QUERY|a|", 1, 2, "FAIL", 1));
    expect(checkHistory(happened).verdict).toBe("linearizable");
    expect(checkHistory(never).verdict).toBe("linearizable");
    // But not before it was sent, and not undone once seen.
    const early = history(op("QUERY|a|", 0, 1, "OK", 1), op("INDEX|a|", 2, null, null));
    expect(checkHistory(early).verdict).toBe("violation");
    const undone = history(op("INDEX|a|", 0, null, null), op("QUERY|a|", 1, 2, "OK", 1), op("QUERY|a|", 3, 4, "FAIL", 1));
    expect(checkHistory(undone).verdict).toBe("violation");
  });

  it("keeps pipelined commands on one connection in the order sent, and only there", () => {
    // Sent together on one connection: INDEX a then QUERY a. FAIL would need the QUERY first.
    expect(checkHistory(pipelined(1, 1)).verdict).toBe("violation");
    // On different connections (or without the promise) the two are merely concurrent.
    expect(checkHistory(pipelined(1, 2)).verdict).toBe("linearizable");
    expect(checkHistory(pipelined(undefined, undefined)).verdict).toBe("linearizable");
  });

  it("judges ERROR to a well-formed command a violation", () => {
    expect(checkHistory(history(op("QUERY|a|", 0, 1, "ERROR"))).verdict).toBe("violation");
  });

  it("agrees with brute force on 3,000 small random histories, replies mutated half of the time", () => {
    const tally = { linearizable: 0, violation: 0 };
    for (let seed = 0; seed < 3000; seed++) {
      const h = simulateHistory({ clients: 3, ops: 6, names: 3, seed, unanswered: 15 });
      h.names = NAMES.map((n) => `sim.${n}`);
      const rng = new Rng(seed, 1);
      if (rng.percent(50)) {
        const victim = h.ops[rng.int(h.ops.length)];
        if (victim.reply !== null) victim.reply = victim.reply === "OK" ? "FAIL" : "OK";
      }
      const verdict = checkHistory(h).verdict;
      expect({ seed, verdict }).toEqual({ seed, verdict: bruteForce(h) ? "linearizable" : "violation" });
      tally[verdict as "linearizable" | "violation"]++;
    }
    expect(tally.violation).toBeGreaterThan(500);
    expect(tally.linearizable).toBeGreaterThan(1500);
  });

  it("accepts long simulated histories with 10 clients and lost replies, which are linearizable by construction", () => {
    for (const seed of [1, 2, 3]) {
      const h = simulateHistory({ clients: 10, ops: 5000, names: 5, seed, unanswered: 1 });
      expect(h.ops.filter((o) => o.reply === null).length).toBeGreaterThan(10);
      expect(checkHistory(h).verdict).toBe("linearizable");
    }
  });

  it("gives up as undecided when the step budget runs out", () => {
    const h = simulateHistory({ clients: 10, ops: 2000, names: 5, seed: 9 });
    const result = checkHistory(h, { maxSteps: 100 });
    expect(result.verdict).toBe("undecided");
    expect(result.steps).toBe(101);
  });
});
