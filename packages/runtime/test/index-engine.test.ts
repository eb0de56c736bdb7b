import { DependencyGraph } from "@pkgindex/graph";
import { REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import { openStore, type Store } from "@pkgindex/store";
import { describe, expect, it } from "vitest";
import { IndexEngine } from "../src/index-engine.ts";
import { ControlledStore } from "./support/controlled-store.ts";

/** The end of the current event-loop turn, where the engine starts its group commit. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function batch(...lines: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(lines.map((l) => `${l}\n`).join(""), "latin1"));
}

function codes(buf: Uint8Array, count: number): number[] {
  return Array.from(buf.subarray(0, count));
}

function engineOn(store: Store) {
  const engine = new IndexEngine(new DependencyGraph(), store);
  const published: string[] = [];
  engine.addChangeListener({ published: (id, indexed) => published.push(`${engine.graph.names.nameOf(id)}=${indexed ? 1 : 0}`) });
  const failures: unknown[] = [];
  engine.onFailure((err) => failures.push(err));
  return { engine, published, failures };
}

describe("IndexEngine", () => {
  it("writes reply code i over byte i of the batch it applied", () => {
    const { engine } = engineOn(openStore({ kind: "memory", dataDir: "", sync: "full" }));
    const buf = batch("INDEX|a|", "INDEX|b|a", "QUERY|b|", "REMOVE|a|", "INDEX|c|x", "QUERY|zz|");
    expect(engine.applyBatch(buf)).toBe(6);
    expect(codes(buf, 6)).toEqual([REPLY_OK, REPLY_OK, REPLY_OK, REPLY_FAIL, REPLY_FAIL, REPLY_FAIL]);
  });

  it("with a memory store nothing waits, and each change is published as it is applied", () => {
    const { engine, published } = engineOn(openStore({ kind: "memory", dataDir: "", sync: "full" }));
    engine.applyBatch(batch("INDEX|a|", "REMOVE|a|"));
    expect(engine.mustHold).toBe(false);
    expect(published).toEqual(["a=1", "a=0"]);
  });

  it("holds replies until the commit covering them resolves, and publishes only then", async () => {
    const store = new ControlledStore();
    const { engine, published } = engineOn(store);
    const released: string[] = [];
    engine.applyBatch(batch("INDEX|a|"));
    expect(engine.mustHold).toBe(true);
    engine.hold(() => released.push("first"));
    await nextTurn();
    expect(store.pending).toBe(1);
    expect(released).toEqual([]);
    expect(published).toEqual([]);
    store.resolveNext();
    await nextTurn();
    expect(published).toEqual(["a=1"]);
    expect(released).toEqual(["first"]);
    expect(engine.mustHold).toBe(false);
  });

  it("keeps applying while a commit is in flight; later batches wait for the next commit, in order", async () => {
    const store = new ControlledStore();
    const { engine, published } = engineOn(store);
    const released: string[] = [];
    engine.applyBatch(batch("INDEX|a|"));
    engine.hold(() => released.push("A"));
    await nextTurn();
    expect(store.pending).toBe(1);

    // Arrives while commit 1 is in flight: applied now, covered by commit 2.
    const b = batch("INDEX|b|a", "QUERY|b|");
    engine.applyBatch(b);
    expect(codes(b, 2)).toEqual([REPLY_OK, REPLY_OK]);
    engine.hold(() => released.push("B"));
    // A QUERY-only batch after it must not overtake it either.
    engine.applyBatch(batch("QUERY|a|"));
    expect(engine.mustHold).toBe(true);
    engine.hold(() => released.push("C"));
    await nextTurn();
    expect(store.pending).toBe(1); // one commit at a time

    expect(store.resolveNext()).toEqual(["put a:"]);
    await nextTurn();
    expect(released).toEqual(["A"]);
    expect(published).toEqual(["a=1"]); // b is applied but not committed: not visible
    expect(store.pending).toBe(1);

    expect(store.resolveNext()).toEqual(["put b:a"]);
    await nextTurn();
    expect(released).toEqual(["A", "B", "C"]);
    expect(published).toEqual(["a=1", "b=1"]);
  });

  it("a failed commit acknowledges nothing it covered nor anything after it, and reports once", async () => {
    const store = new ControlledStore();
    const { engine, published, failures } = engineOn(store);
    const released: string[] = [];
    engine.applyBatch(batch("INDEX|a|"));
    engine.hold(() => released.push("A"));
    await nextTurn();
    engine.applyBatch(batch("INDEX|b|"));
    engine.hold(() => released.push("B"));
    store.failNext("disk I/O error");
    await nextTurn();
    engine.applyBatch(batch("QUERY|a|"));
    engine.hold(() => released.push("C"));
    await nextTurn();
    expect(released).toEqual([]);
    expect(published).toEqual([]);
    expect(failures).toHaveLength(1);
    expect((failures[0] as Error).message).toBe("disk I/O error");
    expect(store.pending).toBe(0);
    await expect(engine.stop()).rejects.toThrow("disk I/O error");
    expect(store.closed).toBe(true);
  });

  it("stop() waits for the commit in flight and commits the rest before closing", async () => {
    const store = new ControlledStore();
    const { engine } = engineOn(store);
    engine.applyBatch(batch("INDEX|a|"));
    engine.hold(() => undefined);
    await nextTurn();
    engine.applyBatch(batch("INDEX|b|"));
    const stopped = engine.stop();
    expect(store.closed).toBe(false);
    store.resolveNext();
    await nextTurn();
    expect(store.closed).toBe(false);
    store.resolveNext();
    await stopped;
    expect(store.committed).toEqual([["put a:"], ["put b:"]]);
    expect(store.closed).toBe(true);
  });

  it("a re-INDEX with the same list changes nothing and takes no commit", async () => {
    const store = new ControlledStore();
    const { engine } = engineOn(store);
    engine.applyBatch(batch("INDEX|a|"));
    engine.hold(() => undefined);
    await nextTurn();
    store.resolveNext();
    await nextTurn();
    engine.applyBatch(batch("INDEX|a|", "REMOVE|nope|", "QUERY|a|"));
    expect(engine.mustHold).toBe(false);
  });
});
