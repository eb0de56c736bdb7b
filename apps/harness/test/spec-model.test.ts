import { describe, expect, it } from "vitest";
import { SpecModel } from "../src/index.ts";

// The spec as DESIGN.md §2 words it, case by case.
describe("the sequential spec model", () => {
  it("INDEX needs every dependency indexed; on FAIL the old list stays", () => {
    const m = new SpecModel();
    expect(m.apply("INDEX|b|a")).toBe("FAIL");
    expect(m.has("b")).toBe(false);
    expect(m.apply("INDEX|a|")).toBe("OK");
    expect(m.apply("INDEX|b|a")).toBe("OK");
    expect(m.apply("INDEX|b|a,zz")).toBe("FAIL");
    expect(m.depsOf("b")).toEqual(["a"]);
    expect(m.apply("INDEX|b|")).toBe("OK");
    expect(m.depsOf("b")).toEqual([]);
  });

  it("refuses a self-dependency and any re-INDEX that closes a cycle; repeated names count once", () => {
    const m = new SpecModel();
    expect(m.apply("INDEX|a|a")).toBe("FAIL");
    expect(m.apply("INDEX|a|")).toBe("OK");
    expect(m.apply("INDEX|a|a")).toBe("FAIL");
    expect(m.apply("INDEX|b|a,a")).toBe("OK");
    expect(m.apply("INDEX|c|b")).toBe("OK");
    expect(m.apply("INDEX|a|c")).toBe("FAIL");
    expect(m.depsOf("a")).toEqual([]);
    expect(m.apply("INDEX|c|a,b")).toBe("OK");
  });

  it("REMOVE is OK when not indexed, FAIL while a dependent stands", () => {
    const m = new SpecModel();
    expect(m.apply("REMOVE|x|")).toBe("OK");
    m.apply("INDEX|a|");
    m.apply("INDEX|b|a");
    expect(m.apply("REMOVE|a|")).toBe("FAIL");
    expect(m.apply("QUERY|a|")).toBe("OK");
    expect(m.apply("REMOVE|b|")).toBe("OK");
    expect(m.apply("REMOVE|a|")).toBe("OK");
    expect(m.apply("QUERY|a|")).toBe("FAIL");
  });

  it("round-trips its entries, sorted, and refuses a starting state that breaks the invariants", () => {
    const m = SpecModel.fromEntries([{ name: "b", deps: ["a"] }, { name: "a", deps: [] }]);
    expect(m.entries()).toEqual([{ name: "a", deps: [] }, { name: "b", deps: ["a"] }]);
    expect(() => SpecModel.fromEntries([{ name: "b", deps: ["a"] }])).toThrow(/b depends on a, which is not indexed/);
    expect(() => SpecModel.fromEntries([{ name: "a", deps: ["b"] }, { name: "b", deps: ["a"] }])).toThrow(/cycle/);
  });
});
