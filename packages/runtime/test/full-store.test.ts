import { DependencyGraph } from "@pkgindex/graph";
import { REPLY_ERROR, REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import { IndexEngine } from "../src/index-engine.ts";
import { ControlledStore } from "./support/controlled-store.ts";

// The engine's full-disk path (issue 18): a commit refused with PKGI_DB_FULL
// is undone in memory, its commands (and everything held after them) are
// answered ERROR, and the engine is read-only until a probe succeeds.

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function batch(...lines: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(lines.map((l) => `${l}\n`).join(""), "latin1"));
}

function setUp() {
  const store = new ControlledStore();
  const engine = new IndexEngine(new DependencyGraph(), store);
  const published: string[] = [];
  engine.setChangeListener({ published: (id, indexed) => published.push(`${engine.graph.names.nameOf(id)}=${indexed ? 1 : 0}`) });
  const failures: unknown[] = [];
  engine.onFailure((err) => failures.push(err));
  const transitions: string[] = [];
  const writableAgain = new Promise<void>((resolve) => {
    engine.onWritableChange((writable, reason) => {
      transitions.push(writable ? "writable" : `read-only: ${reason}`);
      if (writable) resolve();
    });
  });
  /** Applies a batch; its codes appear in the returned array once released. */
  const send = (...lines: string[]): number[] => {
    const out: number[] = [];
    engine.applyBatchAndReply(batch(...lines), (codes) => out.push(...codes.subarray(0, lines.length)));
    return out;
  };
  return { store, engine, published, failures, transitions, writableAgain, send };
}

/** Commits what is pending and lets the releases run. */
async function commitAll(store: ControlledStore): Promise<void> {
  await nextTurn();
  while (store.pending > 0) {
    store.resolveNext();
    await nextTurn();
  }
}

describe("IndexEngine: a commit refused because the store is full", () => {
  it("undoes the refused batch and every batch after it, answers all of them ERROR (QUERYs too), and publishes none of it", async () => {
    const { store, engine, published, failures, transitions, send } = setUp();
    send("INDEX|base|", "INDEX|old|");
    await commitAll(store);
    expect(published).toEqual(["base=1", "old=1"]);

    const first = send("INDEX|a|base", "QUERY|a|", "INDEX|base|");
    await nextTurn(); // the commit covering `first` is in flight
    expect(store.pending).toBe(1);
    // Applied while it is in flight, and built on it (b depends on a).
    const second = send("INDEX|b|a", "REMOVE|old|", "QUERY|b|", "QUERY|nothing|");
    expect(engine.graph.query("b")).toBe(true);
    store.failNextFull();
    await nextTurn();

    expect(first).toEqual([REPLY_ERROR, REPLY_ERROR, REPLY_ERROR]);
    expect(second).toEqual([REPLY_ERROR, REPLY_ERROR, REPLY_ERROR, REPLY_ERROR]);
    expect(failures).toEqual([]); // not fatal
    expect(engine.writable).toBe(false);
    expect(transitions).toEqual([expect.stringMatching(/^read-only: commit to controlled\.db failed, the disk or quota is full.*SQLITE_FULL/)]);
    // Back to the last commit that succeeded, in the graph and in the store.
    expect(published).toEqual(["base=1", "old=1"]);
    expect(engine.graph.checkIntegrity()).toBeNull();
    expect(["base", "old", "a", "b"].map((n) => engine.graph.query(n))).toEqual([true, true, false, false]);
    expect(engine.graph.dependentsOf("base")).toBe(0);
    expect(store.rolledBack).toEqual([["put b:a", "delete old"]]);
    expect(store.committed).toEqual([["put base:", "put old:"]]);
    await engine.stop();
  });

  it("read-only: INDEX and REMOVE get ERROR at once, QUERY is answered as before, nothing waits", async () => {
    const { store, engine, send } = setUp();
    send("INDEX|kept|");
    await commitAll(store);
    send("INDEX|lost|");
    await nextTurn();
    store.full = true;
    store.failNextFull();
    await nextTurn();

    const replies = send("INDEX|new|", "REMOVE|kept|", "QUERY|kept|", "QUERY|lost|", "INDEX|kept|");
    expect(replies).toEqual([REPLY_ERROR, REPLY_ERROR, REPLY_OK, REPLY_FAIL, REPLY_ERROR]);
    expect(engine.mustHold).toBe(false);
    expect(engine.refusedWrites).toBe(3);
    expect(engine.stats.results[1 * 3 + REPLY_ERROR] + engine.stats.results[2 * 3 + REPLY_ERROR]).toBe(3);
    await nextTurn();
    expect(store.pending).toBe(0); // no commit for refused writes
    await engine.stop();
  });

  it("probes with growing backoff while the store stays full, and turns writable by itself once a probe succeeds", async () => {
    const { store, engine, transitions, writableAgain, send } = setUp();
    send("INDEX|a|");
    await nextTurn();
    store.full = true;
    const probeTimes: number[] = [];
    store.onProbe = () => {
      probeTimes.push(performance.now());
      if (store.probes === 3) store.full = false; // space is back
    };
    const failedAt = performance.now();
    store.failNextFull();
    await writableAgain;

    expect(store.probes).toBe(3);
    const gaps = probeTimes.map((t, i) => t - (i === 0 ? failedAt : probeTimes[i - 1]));
    // 100, 200, 400 ms (timers never fire early; allow 1 ms of rounding).
    expect(gaps[0]).toBeGreaterThanOrEqual(99);
    expect(gaps[1]).toBeGreaterThanOrEqual(199);
    expect(gaps[2]).toBeGreaterThanOrEqual(399);
    expect(transitions).toHaveLength(2);
    expect(transitions[1]).toBe("writable");
    expect(engine.writable).toBe(true);
    expect(engine.notWritableReason).toBe("");

    const after = send("INDEX|a|", "QUERY|a|");
    await commitAll(store);
    expect(after).toEqual([REPLY_OK, REPLY_OK]);
    expect(store.committed).toEqual([["put a:"]]);
    await engine.stop();
  });

  it("an I/O error while probing is fatal, as a failed commit is", async () => {
    const { store, engine, failures } = setUp();
    engine.applyBatch(batch("INDEX|a|"));
    engine.hold(() => undefined);
    await nextTurn();
    const probed = new Promise<void>((resolve) => {
      store.onProbe = resolve;
    });
    store.probeError = new Error("disk I/O error (SQLITE_IOERR_WRITE)");
    store.failNextFull();
    await probed;
    expect(failures).toEqual([store.probeError]);
    expect(engine.writable).toBe(false);
    await engine.stop();
  });

  it("any other commit error still stops the engine for good: nothing released, reported once", async () => {
    const { store, engine, failures, transitions, send } = setUp();
    const replies = send("INDEX|a|");
    await nextTurn();
    store.failNext("disk I/O error");
    await nextTurn();
    expect(replies).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(transitions).toEqual([]);
    await expect(engine.stop()).rejects.toThrow("disk I/O error");
  });

  it("stop() while read-only closes the store at once and probes no more", async () => {
    const { store, engine, send } = setUp();
    send("INDEX|a|");
    await nextTurn();
    store.full = true;
    store.failNextFull();
    await nextTurn();
    await engine.stop();
    expect(store.closed).toBe(true);
    expect(store.probes).toBe(0);
  });
});
