import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DependencyGraph,
  INDEX_ADDED,
  INDEX_CYCLE,
  INDEX_MISSING_DEPENDENCY,
  INDEX_REPLACED,
  INDEX_UNCHANGED,
  indexChanged,
  indexSucceeded,
  REMOVE_HAS_DEPENDENTS,
  REMOVE_NOT_INDEXED,
  REMOVE_REMOVED,
} from "../src/index.ts";
import { differenceFromModel, RESULT_NAME, ReferenceIndex } from "./support/reference-index.ts";

// ---------------------------------------------------------------------------
// Helpers

function depsOf(g: DependencyGraph, name: string): string[] {
  const out: string[] = [];
  const n = g.dependenciesOf(name, out);
  return out.slice(0, n).toSorted();
}

function expectIntact(g: DependencyGraph): void {
  expect(g.checkIntegrity()).toBeNull();
}

/** Builds a graph from [name, deps] pairs, each of which must be added. */
function build(pairs: [string, string[]][], allowCycles = false): DependencyGraph {
  const g = new DependencyGraph({ allowCycles });
  for (const [name, deps] of pairs) expect(g.index(name, deps)).toBe(INDEX_ADDED);
  return g;
}

// ---------------------------------------------------------------------------
// Unit cases

describe("DependencyGraph: INDEX", () => {
  it("adds a package without dependencies", () => {
    const g = new DependencyGraph();
    expect(g.query("a")).toBe(false);
    expect(g.index("a", [])).toBe(INDEX_ADDED);
    expect(g.query("a")).toBe(true);
    expect(g.size).toBe(1);
    expect(g.edgeCount).toBe(0);
    expect(depsOf(g, "a")).toEqual([]);
    expectIntact(g);
  });

  it("adds a package whose dependencies are indexed", () => {
    const g = build([["a", []], ["b", []], ["c", ["a", "b"]]]);
    expect(depsOf(g, "c")).toEqual(["a", "b"]);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.dependentsOf("b")).toBe(1);
    expect(g.dependentsOf("c")).toBe(0);
    expect(g.edgeCount).toBe(2);
    expectIntact(g);
  });

  it("refuses a missing dependency and does not add the package", () => {
    const g = build([["a", []]]);
    expect(g.index("b", ["a", "zz"])).toBe(INDEX_MISSING_DEPENDENCY);
    expect(g.query("b")).toBe(false);
    expect(g.dependentsOf("a")).toBe(0);
    expect(g.size).toBe(1);
    expectIntact(g);
  });

  it("refuses a missing dependency of an indexed package and keeps its old list", () => {
    const g = build([["a", []], ["c", []], ["b", ["a"]]]);
    expect(g.index("b", ["c", "zz"])).toBe(INDEX_MISSING_DEPENDENCY);
    expect(g.index("b", ["zz"])).toBe(INDEX_MISSING_DEPENDENCY);
    expect(depsOf(g, "b")).toEqual(["a"]);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.dependentsOf("c")).toBe(0);
    expectIntact(g);
  });

  it("treats a removed package as missing", () => {
    const g = build([["a", []]]);
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    expect(g.index("b", ["a"])).toBe(INDEX_MISSING_DEPENDENCY);
    expectIntact(g);
  });

  it("replaces the dependency list of an indexed package", () => {
    const g = build([["a", []], ["c", []], ["b", ["a"]]]);
    expect(g.index("b", ["c"])).toBe(INDEX_REPLACED);
    expect(depsOf(g, "b")).toEqual(["c"]);
    expect(g.dependentsOf("a")).toBe(0);
    expect(g.dependentsOf("c")).toBe(1);
    // a has no dependents any more, so it can go.
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    // Grow, shrink, empty.
    expect(g.index("d", [])).toBe(INDEX_ADDED);
    expect(g.index("b", ["c", "d"])).toBe(INDEX_REPLACED);
    expect(depsOf(g, "b")).toEqual(["c", "d"]);
    expect(g.index("b", ["d"])).toBe(INDEX_REPLACED);
    expect(depsOf(g, "b")).toEqual(["d"]);
    expect(g.index("b", [])).toBe(INDEX_REPLACED);
    expect(depsOf(g, "b")).toEqual([]);
    expect(g.edgeCount).toBe(0);
    expectIntact(g);
  });

  it("reports an unchanged list whatever its order and repeats", () => {
    const g = build([["a", []], ["c", []], ["b", ["a", "c"]]]);
    expect(g.index("b", ["c", "a", "a"])).toBe(INDEX_UNCHANGED);
    expect(g.index("a", [])).toBe(INDEX_UNCHANGED);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.edgeCount).toBe(2);
    expectIntact(g);
  });

  it("stores repeated dependencies once", () => {
    const g = build([["a", []], ["c", []]]);
    expect(g.index("b", ["a", "a", "c", "a", "c"])).toBe(INDEX_ADDED);
    expect(depsOf(g, "b")).toEqual(["a", "c"]);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.edgeCount).toBe(2);
    expect(g.index("b", ["a", "a"])).toBe(INDEX_REPLACED);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.dependentsOf("c")).toBe(0);
    expectIntact(g);
  });

  it("reads only the first depCount entries of a reused array", () => {
    const g = build([["a", []]]);
    expect(g.index("b", ["a", "stale", "entries"], 1)).toBe(INDEX_ADDED);
    expect(depsOf(g, "b")).toEqual(["a"]);
    expect(g.index("c", ["stale"], 0)).toBe(INDEX_ADDED);
    expect(depsOf(g, "c")).toEqual([]);
  });

  it("takes a list longer than its scratch space", () => {
    const g = new DependencyGraph();
    const names = Array.from({ length: 500 }, (_, i) => `p${i}`);
    for (const n of names) g.index(n, []);
    expect(g.index("hub", [...names, ...names])).toBe(INDEX_ADDED);
    expect(g.dependentsOf("p0")).toBe(1);
    expect(depsOf(g, "hub").length).toBe(500);
    expect(g.edgeCount).toBe(500);
    expectIntact(g);
  });

  it("classifies results for the state owner", () => {
    expect([INDEX_ADDED, INDEX_REPLACED, INDEX_UNCHANGED].map(indexSucceeded)).toEqual([true, true, true]);
    expect([INDEX_MISSING_DEPENDENCY, INDEX_CYCLE].map(indexSucceeded)).toEqual([false, false]);
    expect([INDEX_ADDED, INDEX_REPLACED].map(indexChanged)).toEqual([true, true]);
    expect([INDEX_UNCHANGED, INDEX_MISSING_DEPENDENCY, INDEX_CYCLE].map(indexChanged)).toEqual([false, false, false]);
  });
});

describe("DependencyGraph: cycles", () => {
  it("refuses a self-dependency of an indexed package and keeps its list", () => {
    const g = build([["b", []], ["a", ["b"]]]);
    expect(g.index("a", ["a"])).toBe(INDEX_CYCLE);
    expect(g.index("a", ["b", "a"])).toBe(INDEX_CYCLE);
    expect(depsOf(g, "a")).toEqual(["b"]);
    expect(g.dependentsOf("a")).toBe(0);
    expect(g.dependentsOf("b")).toBe(1);
    expectIntact(g);
  });

  it("answers a self-dependency of a package not indexed with a missing dependency", () => {
    const g = new DependencyGraph();
    expect(g.index("a", ["a"])).toBe(INDEX_MISSING_DEPENDENCY);
    expect(g.query("a")).toBe(false);
  });

  it("refuses a two-package cycle", () => {
    const g = build([["a", []], ["b", ["a"]]]);
    expect(g.index("a", ["b"])).toBe(INDEX_CYCLE);
    expect(depsOf(g, "a")).toEqual([]);
    expectIntact(g);
  });

  it("refuses a cycle through a longer path", () => {
    const g = build([["a", []], ["b", ["a"]], ["c", ["b"]], ["d", ["c"]], ["e", ["d"]]]);
    expect(g.index("a", ["e"])).toBe(INDEX_CYCLE);
    expect(g.index("b", ["e", "a"])).toBe(INDEX_CYCLE);
    expect(g.index("c", ["a", "d"])).toBe(INDEX_CYCLE);
    expectIntact(g);
    // A dependency off the path is fine.
    expect(g.index("x", [])).toBe(INDEX_ADDED);
    expect(g.index("a", ["x"])).toBe(INDEX_REPLACED);
    expect(g.index("x", ["e"])).toBe(INDEX_CYCLE);
    expectIntact(g);
  });

  it("finds a cycle through a dependency the package already had", () => {
    // c -> b -> a; making a depend on a new package q that depends on c closes a -> q -> c -> b -> a.
    const g = build([["a", []], ["b", ["a"]], ["c", ["b"]], ["q", ["c"]]]);
    expect(g.index("a", ["q"])).toBe(INDEX_CYCLE);
    // And through an edge added by an earlier replace.
    const h = build([["a", []], ["b", []], ["c", []]]);
    expect(h.index("b", ["a"])).toBe(INDEX_REPLACED);
    expect(h.index("a", ["c"])).toBe(INDEX_REPLACED);
    expect(h.index("c", ["b"])).toBe(INDEX_CYCLE);
    expectIntact(h);
  });

  it("finds a cycle deep in a wide graph (stack growth)", () => {
    const g = new DependencyGraph();
    g.index("root", []);
    const layer = Array.from({ length: 300 }, (_, i) => `l${i}`);
    for (const n of layer) g.index(n, ["root"]);
    g.index("top", layer);
    expect(g.index("root", layer.slice(100))).toBe(INDEX_CYCLE);
    expect(g.index("root", ["top"])).toBe(INDEX_CYCLE);
    g.index("free", []);
    expect(g.index("root", ["free"])).toBe(INDEX_REPLACED);
    expectIntact(g);
  });

  it("finds a cycle through the first of many added dependencies (stack growth keeps entries)", () => {
    const g = new DependencyGraph();
    g.index("first-id", []); // a harmless id 0, so a lost stack entry cannot stand in for the cycle
    g.index("root", []);
    g.index("back", ["root"]);
    const leaves = Array.from({ length: 200 }, (_, i) => `f${i}`);
    for (const n of leaves) g.index(n, []);
    expect(g.index("root", ["back", ...leaves])).toBe(INDEX_CYCLE);
    expect(g.index("root", [...leaves, "back"])).toBe(INDEX_CYCLE);
    expect(g.index("root", leaves)).toBe(INDEX_REPLACED);
    expectIntact(g);
  });

  it("does not mistake a diamond for a cycle", () => {
    const g = build([["a", []], ["b", ["a"]], ["c", ["a"]], ["d", ["b", "c"]]]);
    expect(g.index("e", [])).toBe(INDEX_ADDED);
    expect(g.index("d", ["b", "c", "a", "e"])).toBe(INDEX_REPLACED);
    expect(g.index("e", ["a"])).toBe(INDEX_REPLACED);
    expect(g.index("b", ["c", "e"])).toBe(INDEX_REPLACED);
    expectIntact(g);
  });

  it("accepts cycles and self-dependencies with allowCycles", () => {
    const g = build([["a", []], ["b", ["a"]]], true);
    expect(g.allowCycles).toBe(true);
    expect(g.index("a", ["a"])).toBe(INDEX_REPLACED);
    expect(g.dependentsOf("a")).toBe(2);
    expect(g.index("a", ["a", "b"])).toBe(INDEX_REPLACED);
    expect(depsOf(g, "a")).toEqual(["a", "b"]);
    expectIntact(g);
    // Each depends on the other: neither can go.
    expect(g.remove("a")).toBe(REMOVE_HAS_DEPENDENTS);
    expect(g.remove("b")).toBe(REMOVE_HAS_DEPENDENTS);
    // Break the cycle; a's self-edge does not block its own removal.
    expect(g.index("b", [])).toBe(INDEX_REPLACED);
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    expect(g.dependentsOf("b")).toBe(0);
    expect(g.remove("b")).toBe(REMOVE_REMOVED);
    expect(g.size).toBe(0);
    expect(g.edgeCount).toBe(0);
    expectIntact(g);
  });

  it("with allowCycles a package with only a self-edge can be removed and re-added", () => {
    const g = build([["x", []]], true);
    expect(g.index("x", ["x"])).toBe(INDEX_REPLACED);
    expect(g.remove("x")).toBe(REMOVE_REMOVED);
    expect(g.query("x")).toBe(false);
    expect(g.dependentsOf("x")).toBe(0);
    expectIntact(g);
    expect(g.index("x", [])).toBe(INDEX_ADDED);
    expect(g.dependentsOf("x")).toBe(0);
    expectIntact(g);
  });
});

describe("DependencyGraph: REMOVE and QUERY", () => {
  it("refuses to remove a package others depend on, until they go", () => {
    const g = build([["a", []], ["b", ["a"]], ["c", ["a", "b"]]]);
    expect(g.remove("a")).toBe(REMOVE_HAS_DEPENDENTS);
    expect(g.remove("b")).toBe(REMOVE_HAS_DEPENDENTS);
    expect(g.query("a")).toBe(true);
    expect(g.remove("c")).toBe(REMOVE_REMOVED);
    expect(g.dependentsOf("a")).toBe(1);
    expect(g.remove("a")).toBe(REMOVE_HAS_DEPENDENTS);
    expect(g.remove("b")).toBe(REMOVE_REMOVED);
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    expect(g.size).toBe(0);
    expectIntact(g);
  });

  it("answers REMOVE of a package not indexed as not indexed", () => {
    const g = new DependencyGraph();
    expect(g.remove("never")).toBe(REMOVE_NOT_INDEXED);
    g.index("a", []);
    expect(g.remove("a")).toBe(REMOVE_REMOVED);
    expect(g.remove("a")).toBe(REMOVE_NOT_INDEXED);
    expect(g.query("a")).toBe(false);
    expect(g.dependentsOf("a")).toBe(0);
    expect(depsOf(g, "a")).toEqual([]);
    expectIntact(g);
  });

  it("re-adds a removed package with a fresh list", () => {
    const g = build([["a", []], ["b", []], ["c", ["a"]]]);
    expect(g.remove("c")).toBe(REMOVE_REMOVED);
    expect(g.index("c", ["b"])).toBe(INDEX_ADDED);
    expect(depsOf(g, "c")).toEqual(["b"]);
    expect(g.dependentsOf("a")).toBe(0);
    expect(g.dependentsOf("b")).toBe(1);
    expectIntact(g);
  });

  it("queries only indexed packages", () => {
    const g = build([["a", []]]);
    expect(g.query("a")).toBe(true);
    expect(g.query("b")).toBe(false);
    expect(g.index("b", ["zz"])).toBe(INDEX_MISSING_DEPENDENCY);
    expect(g.query("b")).toBe(false);
    expect(g.query("")).toBe(false);
  });

  it("visits every indexed package with its list", () => {
    const g = build([["a", []], ["b", ["a"]], ["c", ["a", "b"]]]);
    g.remove("c");
    const seen: [string, string[]][] = [];
    g.forEachPackage((name, deps) => seen.push([name, deps.toSorted()]));
    expect(seen.toSorted()).toEqual([
      ["a", []],
      ["b", ["a"]],
    ]);
  });
});

describe("DependencyGraph: restore and checkIntegrity", () => {
  it("restores a graph in any order, then checks it", () => {
    const g = new DependencyGraph();
    g.restore("c", ["b", "a", "b"]);
    g.restore("b", ["a"]);
    g.restore("a", []);
    expectIntact(g);
    expect(depsOf(g, "c")).toEqual(["a", "b"]);
    expect(g.dependentsOf("a")).toBe(2);
    expect(g.remove("a")).toBe(REMOVE_HAS_DEPENDENTS);
    expect(g.index("a", ["c"])).toBe(INDEX_CYCLE);
  });

  it("reports a restored dependency that never got indexed", () => {
    const g = new DependencyGraph();
    g.restore("b", ["a"]);
    expect(g.checkIntegrity()).toMatch(/b depends on a, which is not indexed/);
  });

  it("reports a cycle restored without allowCycles", () => {
    // A store written with --allow-cycles, loaded by a server without it.
    for (const pairs of [
      [["a", ["b"]], ["b", ["a"]]],
      [["s", ["s"]]],
      [["x", []], ["p", ["q", "x"]], ["q", ["r"]], ["r", ["p"]]],
    ] as [string, string[]][][]) {
      const strict = new DependencyGraph();
      const lenient = new DependencyGraph({ allowCycles: true });
      for (const [name, deps] of pairs) {
        strict.restore(name, deps);
        lenient.restore(name, deps);
      }
      expect(strict.checkIntegrity()).toMatch(/cycle/);
      expect(lenient.checkIntegrity()).toBeNull();
    }
  });

  it("round-trips any reachable graph through forEachPackage and restore, shuffled", () => {
    const step = fc.tuple(fc.boolean(), fc.constantFrom("a", "b", "c", "d", "e"), fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 4 }));
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 40 }), fc.nat(), (allowCycles, steps, shuffleSeed) => {
        const g = new DependencyGraph({ allowCycles });
        for (const [isIndex, name, deps] of steps) {
          if (isIndex) g.index(name, deps);
          else g.remove(name);
        }
        const dump: [string, string[]][] = [];
        g.forEachPackage((name, deps) => dump.push([name, deps]));
        // A deterministic shuffle: the store returns rows in any order.
        const shuffled = dump.map((row, i) => [((i + 1) * 7919 + shuffleSeed) % 1009, row] as const).toSorted((x, y) => x[0] - y[0]);
        const h = new DependencyGraph({ allowCycles });
        for (const [, [name, deps]] of shuffled) h.restore(name, deps);
        const again: [string, string[]][] = [];
        h.forEachPackage((name, deps) => again.push([name, deps.toSorted()]));
        expect(h.checkIntegrity()).toBeNull();
        expect(again.toSorted()).toEqual(dump.map(([n, d]) => [n, d.toSorted()] as [string, string[]]).toSorted());
        expect([h.size, h.edgeCount]).toEqual([g.size, g.edgeCount]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("DependencyGraph: scale and churn", () => {
  it("grows past its initial id capacity", () => {
    const g = new DependencyGraph();
    for (let i = 0; i < 5000; i++) {
      const deps = i === 0 ? [] : [`p${i - 1}`, `p${Math.floor(i / 2)}`].filter((d) => d !== `p${i}`);
      expect(g.index(`p${i}`, deps)).toBe(INDEX_ADDED);
    }
    expect(g.size).toBe(5000);
    expect(depsOf(g, "p4999")).toEqual(["p2499", "p4998"]);
    expect(g.index("p0", ["p4999"])).toBe(INDEX_CYCLE);
    expectIntact(g);
  });

  it("keeps lists right and the edge pool bounded through re-INDEX churn", () => {
    const g = new DependencyGraph();
    const base = Array.from({ length: 40 }, (_, i) => `b${i}`);
    for (const n of base) g.index(n, []);
    const tops = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const expected = new Map<string, string[]>();
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pool = (): { used: number; garbage: number; data: Int32Array } => Reflect.get(g, "pool");
    let maxUsed = 0;
    let compactions = 0;
    for (let step = 0; step < 20000; step++) {
      const top = tops[rand(tops.length)];
      if (rand(10) === 0) {
        g.remove(top);
        expected.delete(top);
        continue;
      }
      const deps = Array.from({ length: rand(12) }, () => base[rand(base.length)]);
      const before = pool().garbage;
      const r = g.index(top, deps);
      expect(indexSucceeded(r)).toBe(true);
      if (pool().garbage < before) compactions++;
      expected.set(top, [...new Set(deps)].toSorted());
      maxUsed = Math.max(maxUsed, pool().used);
    }
    expect(compactions).toBeGreaterThan(0);
    // Live edges are at most 20 * 12; the pool must not keep every list ever written.
    expect(maxUsed).toBeLessThan(20000);
    expect(pool().data.length).toBeLessThan(32768);
    for (const top of tops) expect(depsOf(g, top)).toEqual(expected.get(top) ?? []);
    for (const b of base) {
      expect(g.dependentsOf(b)).toBe([...expected.values()].filter((deps) => deps.includes(b)).length);
    }
    expect(g.edgeCount).toBe([...expected.values()].reduce((sum, d) => sum + d.length, 0));
    expectIntact(g);
  });
});

// ---------------------------------------------------------------------------
// Model-based property tests

const ALPHABET = ["a", "b", "c", "d", "e", "f", "g"];
const LONG_ALPHABET = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
const LONG_STEPS = 14000;

function checkAgainstModel(real: DependencyGraph, model: ReferenceIndex): void {
  expect(differenceFromModel(real, model, ALPHABET)).toBeNull();
}

type Cmd = fc.Command<ReferenceIndex, DependencyGraph>;

/** Commands run so far, so a test can tell its property did some work. */
let commandsRun = 0;

class IndexCommand implements Cmd {
  readonly name: string;
  readonly deps: string[];
  constructor(name: string, deps: string[]) {
    this.name = name;
    this.deps = deps;
  }
  check(): boolean {
    return true;
  }
  run(model: ReferenceIndex, real: DependencyGraph): void {
    commandsRun++;
    const expected = model.index(this.name, this.deps);
    expect(RESULT_NAME.index[real.index(this.name, this.deps)]).toBe(expected);
    checkAgainstModel(real, model);
  }
  toString(): string {
    return `INDEX|${this.name}|${this.deps.join(",")}`;
  }
}

class RemoveCommand implements Cmd {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  check(): boolean {
    return true;
  }
  run(model: ReferenceIndex, real: DependencyGraph): void {
    commandsRun++;
    const expected = model.remove(this.name);
    expect(RESULT_NAME.remove[real.remove(this.name)]).toBe(expected);
    checkAgainstModel(real, model);
  }
  toString(): string {
    return `REMOVE|${this.name}|`;
  }
}

class QueryCommand implements Cmd {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  check(): boolean {
    return true;
  }
  run(model: ReferenceIndex, real: DependencyGraph): void {
    commandsRun++;
    expect(real.query(this.name)).toBe(model.query(this.name));
    checkAgainstModel(real, model);
  }
  toString(): string {
    return `QUERY|${this.name}|`;
  }
}

const nameArb = fc.constantFrom(...ALPHABET);
const depsArb = fc.array(nameArb, { maxLength: 5 });
const commandArbs = [
  // INDEX three times as often as the others, so graphs get dense enough for cycles.
  fc.tuple(nameArb, depsArb).map(([n, d]) => new IndexCommand(n, d)),
  fc.tuple(nameArb, depsArb).map(([n, d]) => new IndexCommand(n, d)),
  fc.tuple(nameArb, depsArb).map(([n, d]) => new IndexCommand(n, d)),
  nameArb.map((n) => new RemoveCommand(n)),
  nameArb.map((n) => new QueryCommand(n)),
];

describe.each([false, true])("DependencyGraph against a reference model (allowCycles %s)", (allowCycles) => {
  it("agrees after every command of random sequences", () => {
    commandsRun = 0;
    fc.assert(
      fc.property(fc.commands(commandArbs, { maxCommands: 80, size: "max" }), (cmds) => {
        fc.modelRun(() => ({ model: new ReferenceIndex(allowCycles), real: new DependencyGraph({ allowCycles }) }), cmds);
      }),
      { numRuns: 400 },
    );
    expect(commandsRun).toBeGreaterThan(5_000);
  });

  it("agrees through long sequences that reach edge-pool compaction", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(runLongSequence(allowCycles, seed)).toEqual({ problem: null, compacted: true });
      }),
      { numRuns: 1 },
    );
  });
});

/**
 * A dozen names, long lists, thousands of steps: enough garbage for the edge
 * pool to compact. Returns the first disagreement with the model, if any.
 */
function runLongSequence(allowCycles: boolean, seed: number): { problem: string | null; compacted: boolean } {
  const stepArb = fc.tuple(fc.nat({ max: 9 }), fc.constantFrom(...LONG_ALPHABET), fc.array(fc.constantFrom(...LONG_ALPHABET), { maxLength: 10 }));
  const model = new ReferenceIndex(allowCycles);
  const real = new DependencyGraph({ allowCycles });
  const pool = (): { garbage: number } => Reflect.get(real, "pool");
  let compactions = 0;
  let step = 0;
  for (const [kind, name, deps] of fc.sample(stepArb, { numRuns: LONG_STEPS, seed })) {
    const garbageBefore = pool().garbage;
    if (kind < 8) {
      // Mostly lists of indexed names, often in alphabet order (so acyclic), so most
      // INDEX commands succeed and churn the pool; the rest may be missing or cyclic.
      const live = kind === 0 ? deps : deps.filter((d) => model.query(d) && (kind > 4 || d < name));
      const want = model.index(name, live);
      const got = RESULT_NAME.index[real.index(name, live)];
      if (got !== want) return { problem: `step ${step}: INDEX|${name}|${live.join(",")} gave ${got}, model ${want}`, compacted: compactions > 0 };
    } else {
      const want = model.remove(name);
      const got = RESULT_NAME.remove[real.remove(name)];
      if (got !== want) return { problem: `step ${step}: REMOVE|${name}| gave ${got}, model ${want}`, compacted: compactions > 0 };
    }
    if (pool().garbage < garbageBefore) compactions++;
    const diff = differenceFromModel(real, model, LONG_ALPHABET);
    if (diff !== null) return { problem: `after step ${step}: ${diff}`, compacted: compactions > 0 };
    step++;
  }
  return { problem: null, compacted: compactions > 0 };
}
