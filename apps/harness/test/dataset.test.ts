import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError, dependentsOf, describe as describeData, indexLine, isValidName, loadBrewFile, parseBrew, topoOrder } from "../src/index.ts";

const BREW = path.resolve(fileURLToPath(import.meta.url), "../../../../../shared/data/brew-dependencies.txt");

describe("parseBrew", () => {
  it("reads name: dep dep lines, skipping blank lines and repeated dependencies", () => {
    const data = parseBrew("a:\nb: a\n\nc: a b a\n");
    expect(data.names).toEqual(["a", "b", "c"]);
    expect(data.deps).toEqual([[], [0], [0, 1]]);
    expect(indexLine(data, 2)).toBe("INDEX|c|a,b");
    expect(indexLine(data, 0)).toBe("INDEX|a|");
  });

  it("makes a name that is only ever a dependency a package without dependencies", () => {
    const data = parseBrew("tool: gpg\n");
    expect(data.names).toEqual(["tool", "gpg"]);
    expect(data.deps).toEqual([[1], []]);
  });

  it("reads a name with a colon as the store does: the name ends at the colon before a space", () => {
    const data = parseBrew("a:b: c\nc:\nd: a:b\n");
    expect(data.names).toEqual(["a:b", "c", "d"]);
    expect(data.deps).toEqual([[1], [], [0]]);
    expect(indexLine(data, 0)).toBe("INDEX|a:b|c");
    expect(parseBrew("a:b:\n").names).toEqual(["a:b"]);
  });

  it("accepts Homebrew's punctuation in names", () => {
    const data = parseBrew("gtk+3: libsigc++ python@3.12 @scope/pkg\n");
    expect(data.names).toEqual(["gtk+3", "libsigc++", "python@3.12", "@scope/pkg"]);
  });

  it.each([
    ["no colon", "just-a-name\n", /line 1: expected "name: dep dep/],
    ["an invalid name", "a:\nb: a,c\n", /line 2: invalid dependency name "a,c" of b/],
    ["a non-ASCII name", "caf\u00e9:\n", /line 1: invalid package name/],
    ["a pipe in a name", "a|b:\n", /invalid package name "a\|b"/],
    ["an empty name", ": a\n", /line 1: invalid package name ""/],
    ["a package listed twice", "a:\nb:\na: b\n", /line 3: package a is already listed on line 1/],
    ["a self dependency", "a: a\n", /line 1: package a depends on itself/],
  ])("refuses %s with the line number", (_, text, message) => {
    expect(() => parseBrew(text)).toThrow(DataError);
    expect(() => parseBrew(text)).toThrow(message);
  });

  it("reads the Homebrew dump: 3,370 packages, 22,821 dependencies, acyclic", () => {
    const data = loadBrewFile(BREW);
    const stats = describeData(data);
    expect(stats.packages).toBe(3370);
    expect(stats.edges).toBe(22821);
    expect(topoOrder(data)).toHaveLength(3370);
  });

  it("names the file when it cannot be read", () => {
    expect(() => loadBrewFile("/nonexistent/deps.txt")).toThrow("cannot read data file /nonexistent/deps.txt: ENOENT");
  });
});

describe("topoOrder", () => {
  it("puts every package after its dependencies", () => {
    const data = parseBrew("d: c\nc: b a\nb: a\na:\n");
    const order = topoOrder(data);
    const at = new Map(order.map((p, k) => [p, k]));
    data.deps.forEach((deps, p) => deps.forEach((d) => expect(at.get(d)!).toBeLessThan(at.get(p)!)));
  });

  it("names a package on the cycle, not one merely downstream of it", () => {
    const data = parseBrew("top: x\nx: y\ny: z\nz: x\n");
    expect(() => topoOrder(data)).toThrow(/dependency cycle through (x|y|z)$/);
  });
});

describe("dependentsOf and isValidName", () => {
  it("inverts the dependency lists", () => {
    expect(dependentsOf(parseBrew("a:\nb: a\nc: a b\n"))).toEqual([[1, 2], [2], []]);
  });

  it("follows the contract's name rules", () => {
    expect(isValidName("x".repeat(255))).toBe(true);
    expect(isValidName("x".repeat(256))).toBe(false);
    expect(["", "a b", "a\tb", "a|b", "a,b", "\u2603", "a\u007f"].filter(isValidName)).toEqual([]);
  });
});
