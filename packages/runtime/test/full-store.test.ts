import * as fc from "fast-check";
import { DependencyGraph, INDEX_CYCLE, INDEX_MISSING_DEPENDENCY, REMOVE_HAS_DEPENDENTS } from "@pkgindex/graph";
import { REPLY_ERROR, REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
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
    expect(engine.stats.fullCommits).toBe(1);
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
    // 100, 200, 400 ms. A timer counts from the event loop's cached clock,
    // which can lag the real one by a few ms on a busy machine: 10 ms slack.
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
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
    // Nothing applied afterwards is answered either, not even at once.
    expect(engine.mustHold).toBe(true);
    const later = send("INDEX|b|", "QUERY|a|");
    await nextTurn();
    expect(later).toEqual([]);
    expect(store.pending).toBe(0);
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

// ---------------------------------------------------------------------------
// Differential property: the engine, driven through random interleavings of
// batches, commit starts, successes and full-disk refusals, against a plain
// graph fed only the commands that were not answered ERROR, in apply order.

type Step = { kind: "batch"; lines: string[] } | { kind: "turn" } | { kind: "resolve" } | { kind: "full" } | { kind: "probe" };

const NAMES = ["a", "b", "c", "d", "e"];
const nameArb = fc.constantFrom(...NAMES);
const lineArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(nameArb, fc.array(nameArb, { maxLength: 3 })).map(([n, d]) => `INDEX|${n}|${d.join(",")}`) },
  { weight: 1, arbitrary: nameArb.map((n) => `REMOVE|${n}|`) },
  { weight: 2, arbitrary: nameArb.map((n) => `QUERY|${n}|`) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.array(lineArb, { minLength: 1, maxLength: 4 }).map((lines) => ({ kind: "batch" as const, lines })) },
  { weight: 2, arbitrary: fc.constant({ kind: "turn" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "resolve" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "full" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "probe" as const }) },
);

/** The reply a plain graph gives to `line`, applying it. */
function plainReply(graph: DependencyGraph, line: string): number {
  const [command, name, deps] = line.split("|");
  if (command === "QUERY") return graph.query(name) ? REPLY_OK : REPLY_FAIL;
  if (command === "REMOVE") return graph.remove(name) === REMOVE_HAS_DEPENDENTS ? REPLY_FAIL : REPLY_OK;
  const result = graph.index(name, deps === "" ? [] : deps.split(","));
  return result === INDEX_MISSING_DEPENDENCY || result === INDEX_CYCLE ? REPLY_FAIL : REPLY_OK;
}

function contentsOf(graph: DependencyGraph): Map<string, string> {
  const out = new Map<string, string>();
  graph.forEachPackage((name, deps) => out.set(name, deps.toSorted().join(",")));
  return out;
}

/** What the store holds: every committed change list applied in order. */
function storedContents(store: ControlledStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const changes of store.committed) {
    for (const change of changes) {
      const [op, rest] = [change.slice(0, change.indexOf(" ")), change.slice(change.indexOf(" ") + 1)];
      if (op === "delete") out.delete(rest);
      else out.set(rest.slice(0, rest.indexOf(":")), rest.slice(rest.indexOf(":") + 1).split(",").filter((d) => d !== "").toSorted().join(","));
    }
  }
  return out;
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

async function runSteps(steps: Step[]): Promise<string | null> {
  const store = new ControlledStore();
  const engine = new IndexEngine(new DependencyGraph(), store);
  const visible = new Map<string, boolean>();
  engine.setChangeListener({ published: (id, indexed) => visible.set(engine.graph.names.nameOf(id), indexed) });
  const failures: unknown[] = [];
  engine.onFailure((err) => failures.push(err));
  const batches: { lines: string[]; codes: number[] | null; readOnlyAtApply: boolean }[] = [];
  for (const step of steps) {
    if (step.kind === "batch") {
      const entry = { lines: step.lines, codes: null as number[] | null, readOnlyAtApply: !engine.writable };
      batches.push(entry);
      engine.applyBatchAndReply(batch(...step.lines), (codes) => {
        entry.codes = Array.from(codes.subarray(0, step.lines.length));
      });
    } else if (step.kind === "turn") await nextTurn();
    else if (step.kind === "resolve") {
      if (store.pending > 0) store.resolveNext();
      await nextTurn();
    } else if (step.kind === "full") {
      if (store.pending > 0) store.failNextFull();
      await nextTurn();
    } else vi.advanceTimersByTime(5000);
  }
  // Settle: every commit resolves, every probe succeeds.
  for (let guard = 0; engine.mustHold || store.pending > 0 || !engine.writable; guard++) {
    if (guard > 1000) return "did not settle";
    await nextTurn();
    if (store.pending > 0) store.resolveNext();
    vi.advanceTimersByTime(5000);
  }
  if (failures.length > 0) return `failures: ${String(failures[0])}`;

  const plain = new DependencyGraph();
  for (const [i, b] of batches.entries()) {
    if (b.codes === null) return `batch ${i} never answered`;
    for (const [k, line] of b.lines.entries()) {
      const code = b.codes[k];
      if (code === REPLY_ERROR) {
        // Allowed only for a write refused while read-only, or a command of
        // a batch undone whole; either way it had no effect.
        const refused = b.readOnlyAtApply && !line.startsWith("QUERY");
        if (!refused && !b.codes.every((c) => c === REPLY_ERROR)) return `batch ${i} line ${line}: ERROR in a batch that was not undone`;
        continue;
      }
      const want = plainReply(plain, line);
      if (code !== want) return `batch ${i} line ${line}: ${code}, plain graph ${want}`;
    }
  }
  const want = contentsOf(plain);
  if (!sameMap(contentsOf(engine.graph), want)) return `engine graph ${JSON.stringify([...contentsOf(engine.graph)])}, plain ${JSON.stringify([...want])}`;
  if (!sameMap(storedContents(store), want)) return `store ${JSON.stringify([...storedContents(store)])}, plain ${JSON.stringify([...want])}`;
  const shown = [...visible].filter(([, v]) => v).map(([k]) => k).toSorted();
  if (shown.join() !== [...want.keys()].toSorted().join()) return `view shows ${shown.join()}, plain has ${[...want.keys()].toSorted().join()}`;
  if (engine.graph.checkIntegrity() !== null) return `integrity: ${engine.graph.checkIntegrity()}`;
  await engine.stop();
  return null;
}

describe("IndexEngine with full-disk refusals against a plain graph", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("every reply not ERROR matches the plain graph, ERROR only where allowed, and graph, store and read view end equal", async () => {
    // Only the probe timer is faked; setImmediate (group commit) stays real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 10, maxLength: 60 }), async (steps) => {
        refusals += steps.filter((s) => s.kind === "full").length;
        expect(await runSteps(steps)).toBeNull();
      }),
      { numRuns: 150 },
    );
    expect(refusals).toBeGreaterThan(100);
  });
});
