import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DependencyGraph, NameTable } from "../src/index.ts";

const NAMES = ["a", "b", "c", "gtk+3", "python@3.12", "@scope/pkg", "x".repeat(255), "ab", "ba"];

type Op = { kind: "index"; name: string; deps: string[] } | { kind: "remove"; name: string } | { kind: "query"; name: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("index" as const), name: fc.constantFrom(...NAMES), deps: fc.array(fc.constantFrom(...NAMES), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant("remove" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant("query" as const), name: fc.constantFrom(...NAMES) }),
);

/** Runs `op` on the byte API, with the names inside a larger buffer as on the wire. */
function applyBytes(g: DependencyGraph, op: Op): number | boolean {
  const prefix = "XX|";
  if (op.kind === "index") {
    const text = `${prefix}${op.name}|${op.deps.join(",")}\n`;
    const buf = Buffer.from(text, "latin1");
    const ns = prefix.length;
    const ne = ns + op.name.length;
    return g.indexBytes(buf, ns, ne, ne + 1, text.length - 1);
  }
  const buf = Buffer.from(`${prefix}${op.name}|tail`, "latin1");
  const ns = prefix.length;
  return op.kind === "remove" ? g.removeBytes(buf, ns, ns + op.name.length) : g.queryBytes(buf, ns, ns + op.name.length);
}

function applyStrings(g: DependencyGraph, op: Op): number | boolean {
  if (op.kind === "index") return g.index(op.name, op.deps);
  return op.kind === "remove" ? g.remove(op.name) : g.query(op.name);
}

describe("byte API", () => {
  it.each([false, true])("agrees with the string API on random sequences (allowCycles %s)", (allowCycles) => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const viaBytes = new DependencyGraph({ allowCycles });
        const viaStrings = new DependencyGraph({ allowCycles });
        for (const op of ops) {
          expect(applyBytes(viaBytes, op)).toBe(applyStrings(viaStrings, op));
          expect(viaBytes.checkIntegrity()).toBeNull();
        }
        for (const n of NAMES) {
          expect(viaBytes.query(n)).toBe(viaStrings.query(n));
          const a: string[] = [];
          const b: string[] = [];
          expect(viaBytes.dependenciesOf(n, a)).toBe(viaStrings.dependenciesOf(n, b));
          expect(a.toSorted()).toEqual(b.toSorted());
        }
      }),
      { numRuns: 300 },
    );
  });

  it("lastId names the package a successful INDEX or REMOVE touched", () => {
    const g = new DependencyGraph();
    g.index("base", []);
    const buf = Buffer.from("INDEX|leaf|base", "latin1");
    g.indexBytes(buf, 6, 10, 11, 15);
    expect(g.names.nameOf(g.lastId)).toBe("leaf");
    const out: string[] = [];
    expect(g.dependencyNamesOf(g.lastId, out)).toBe(1);
    expect(out[0]).toBe("base");
  });
});

describe("NameTable", () => {
  it("interns distinct byte strings to distinct ids and finds them again, across rehashes", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }), { maxLength: 3000 }), (names) => {
        const t = new NameTable();
        const ids = names.map((n) => t.internString(n));
        expect(new Set(ids).size).toBe(names.length);
        names.forEach((n, i) => {
          expect(t.lookupString(n)).toBe(ids[i]);
          expect(t.internString(n)).toBe(ids[i]);
          expect(t.nameOf(ids[i])).toBe(n);
        });
        expect(t.size).toBe(names.length);
        expect(t.lookupString("not interned at all ~")).toBe(names.includes("not interned at all ~") ? ids[names.indexOf("not interned at all ~")] : -1);
      }),
      { numRuns: 30 },
    );
  });
});

describe("NameTable bounds", () => {
  it("refuses names the length byte cannot hold, and non-ASCII names, instead of storing a wrong one", () => {
    const t = new NameTable();
    expect(() => t.internString("x".repeat(256))).toThrow(RangeError);
    expect(() => t.internString("")).toThrow(RangeError);
    expect(() => t.internString("caf\u00e9")).toThrow(RangeError);
    expect(t.lookupString("caf\u00e9")).toBe(-1);
    expect(t.internString("x".repeat(255))).toBe(0);
    expect(t.size).toBe(1);
  });
});
