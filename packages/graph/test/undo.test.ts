import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DependencyGraph, INDEX_ADDED, INDEX_REPLACED, REMOVE_REMOVED } from "../src/index.ts";
import { differenceFromModel, RESULT_NAME, ReferenceIndex } from "./support/reference-index.ts";

const NAMES = ["a", "b", "c", "d", "e", "f"];

function copyOf(model: ReferenceIndex): ReferenceIndex {
  const copy = new ReferenceIndex(model.allowCycles);
  for (const [name, deps] of model.packages) copy.packages.set(name, new Set(deps));
  return copy;
}

// What the engine does with the journal (packages/runtime/src/index-engine.ts):
// a commit begins (mark = undoMark), changes keep coming while it is in
// flight, then it either succeeds (forgetUndo(mark): what it covered is
// durable) or fails (undoAll: back to the last durable state, including the
// changes applied after the failed commit began).
type Step =
  | { kind: "index"; name: string; deps: string[] }
  | { kind: "remove"; name: string }
  | { kind: "begin" }
  | { kind: "succeed" }
  | { kind: "fail" };

const nameArb = fc.constantFrom(...NAMES);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("index" as const), name: nameArb, deps: fc.array(nameArb, { maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), name: nameArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: "begin" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "succeed" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "fail" as const }) },
);

/** Runs `steps`; returns the first disagreement with the model, or null. Counts undos that changed something. */
function run(allowCycles: boolean, steps: Step[], counters: { undos: number }): string | null {
  const real = new DependencyGraph({ allowCycles });
  real.enableUndo();
  let model = new ReferenceIndex(allowCycles);
  let durable = copyOf(model);
  let inFlight: { mark: number; covers: ReferenceIndex } | null = null;
  for (const [i, step] of steps.entries()) {
    if (step.kind === "index") {
      const want = model.index(step.name, step.deps);
      const got = RESULT_NAME.index[real.index(step.name, step.deps)];
      if (got !== want) return `step ${i}: INDEX|${step.name}|${step.deps.join(",")} gave ${got}, model ${want}`;
    } else if (step.kind === "remove") {
      const want = model.remove(step.name);
      const got = RESULT_NAME.remove[real.remove(step.name)];
      if (got !== want) return `step ${i}: REMOVE|${step.name}| gave ${got}, model ${want}`;
    } else if (step.kind === "begin") {
      if (inFlight === null) inFlight = { mark: real.undoMark, covers: copyOf(model) };
    } else if (step.kind === "succeed") {
      if (inFlight !== null) {
        real.forgetUndo(inFlight.mark);
        durable = inFlight.covers;
        inFlight = null;
      }
    } else {
      if (real.size !== durable.packages.size || differenceFromModel(real, durable, NAMES) !== null) counters.undos++;
      real.undoAll();
      model = copyOf(durable);
      inFlight = null;
    }
    const diff = differenceFromModel(real, model, NAMES);
    if (diff !== null) return `after step ${i} (${step.kind}): ${diff}`;
  }
  return null;
}

describe("DependencyGraph undo journal", () => {
  it("undoes an add, a replace and a remove, newest first, back to the last durable state", () => {
    const g = new DependencyGraph();
    g.index("a", []);
    g.index("b", ["a"]);
    g.enableUndo();
    expect(g.index("c", ["a", "b"])).toBe(INDEX_ADDED);
    expect(g.index("b", [])).toBe(INDEX_REPLACED);
    expect(g.remove("c")).toBe(REMOVE_REMOVED);
    expect(g.remove("b")).toBe(REMOVE_REMOVED);
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    expect(g.size).toBe(0);
    g.undoAll();
    expect(g.checkIntegrity()).toBeNull();
    expect(g.query("a") && g.query("b") && !g.query("c")).toBe(true);
    const deps: string[] = [];
    expect(deps.slice(0, g.dependenciesOf("b", deps))).toEqual(["a"]);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.edgeCount).toBe(1);
  });

  it("keeps what forgetUndo declared durable, and undoes only what came after it", () => {
    const g = new DependencyGraph();
    g.enableUndo();
    g.index("a", []);
    const mark = g.undoMark; // a commit begins: it covers a
    g.index("b", ["a"]); // applied while it is in flight
    g.forgetUndo(mark); // it succeeded: a is durable, b is not yet
    g.index("c", ["b"]);
    g.undoAll();
    expect([g.query("a"), g.query("b"), g.query("c")]).toEqual([true, false, false]);
    expect(g.checkIntegrity()).toBeNull();
  });

  it("journals nothing until enabled (restore and what was loaded are durable)", () => {
    const g = new DependencyGraph();
    g.restore("a", []);
    g.index("b", ["a"]);
    expect(g.undoMark).toBe(0);
    g.undoAll();
    expect(g.query("b")).toBe(true);
  });

  it.each([false, true])("agrees with the reference model through random commits, successes and failures (allowCycles %s)", (allowCycles) => {
    const counters = { undos: 0 };
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 30, maxLength: 120, size: "max" }), (steps) => {
        expect(run(allowCycles, steps, counters)).toBeNull();
      }),
      { numRuns: 400 },
    );
    // The property did real work: many failures undid actual changes.
    expect(counters.undos).toBeGreaterThan(200);
  });

  it("undoes through edge-pool compaction and id growth (long churn)", () => {
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const g = new DependencyGraph();
    for (const n of names) g.index(n, []);
    g.enableUndo();
    const before = new Map<string, string[]>();
    g.forEachPackage((name, deps) => before.set(name, deps.toSorted()));
    // Thousands of re-INDEXes with long lists: garbage forces compaction
    // while the journal holds lists by id, never by pool offset.
    for (let round = 0; round < 300; round++) {
      for (let k = 20; k < 40; k++) g.index(names[k], names.slice(0, 1 + ((round + k) % 20)));
    }
    for (let k = 0; k < 2000; k++) g.index(`x${k}`, []);
    g.undoAll();
    const after = new Map<string, string[]>();
    g.forEachPackage((name, deps) => after.set(name, deps.toSorted()));
    expect(after).toEqual(before);
    expect(g.checkIntegrity()).toBeNull();
  });
});
