import { describe, expect, it } from "vitest";
import { formatBrew, parseBrew } from "../src/index.ts";
import { failedWith, refusal } from "./helpers.ts";

describe("formatBrew", () => {
  it("writes one `name: dep dep` line per package, `name:` without deps, newline-terminated", () => {
    expect(
      formatBrew([
        { name: "a", deps: [] },
        { name: "b", deps: ["a"] },
        { name: "c", deps: ["a", "b"] },
      ]),
    ).toBe("a:\nb: a\nc: a b\n");
    expect(formatBrew([])).toBe("");
  });
});

describe("parseBrew", () => {
  it("reads what formatBrew writes", () => {
    const entries = [
      { name: "gtk+3", deps: ["libsigc++", "python@3.12"] },
      { name: "libsigc++", deps: [] },
      { name: "python@3.12", deps: ["@scope/pkg"] },
      { name: "@scope/pkg", deps: [] },
    ];
    expect(parseBrew(formatBrew(entries))).toEqual(entries);
  });

  it("accepts brew's own spacing: runs of spaces, tabs, trailing blanks, CRLF, blank lines", () => {
    expect(parseBrew("abcde: autoconf  automake\t cmake \r\n\n   \nautoconf:\r\nautomake: \ncmake:")).toEqual([
      { name: "abcde", deps: ["autoconf", "automake", "cmake"] },
      { name: "autoconf", deps: [] },
      { name: "automake", deps: [] },
      { name: "cmake", deps: [] },
    ]);
  });

  it("counts a repeated dependency once", () => {
    expect(parseBrew("a: b c b c\n")).toEqual([{ name: "a", deps: ["b", "c"] }]);
  });

  it("allows ':' inside names: the separator is the first ':' followed by a blank or the line end", () => {
    const entries = [
      { name: "a:b", deps: ["c:d", ":e"] },
      { name: "x:", deps: [] },
      { name: "y::", deps: ["a:b"] },
    ];
    const text = formatBrew(entries);
    expect(text).toBe("a:b: c:d :e\nx::\ny::: a:b\n");
    expect(parseBrew(text)).toEqual(entries);
  });

  it("names the source and the line of a line without a separator", () => {
    const err = refusal(() => parseBrew("a:\nb c\n", "deps.txt"));
    expect(err).toMatchObject(failedWith("PKGI_LOAD_FILE"));
    expect(err.message).toBe('cannot load deps.txt: line 2: expected "name: dep dep ..." (no ":" after the package name)');
  });

  it("refuses names the protocol would refuse, naming the line", () => {
    expect(refusal(() => parseBrew("ok:\nb|ad: x\n", "f"))).toMatchObject(failedWith("PKGI_LOAD_FILE", /line 2: invalid package name "b\|ad"/));
    expect(refusal(() => parseBrew("ok: good ba,d\n", "f"))).toMatchObject(failedWith("PKGI_LOAD_FILE", /line 1: invalid dependency name "ba,d" of ok/));
    expect(refusal(() => parseBrew("caf\u00e9:\n", "f"))).toMatchObject(failedWith("PKGI_LOAD_FILE", /line 1: invalid package name/));
    expect(refusal(() => parseBrew(`${"n".repeat(256)}:\n`, "f"))).toMatchObject(failedWith("PKGI_LOAD_FILE", /line 1: invalid package name/));
    expect(parseBrew(`${"n".repeat(255)}:\n`)).toHaveLength(1);
  });

  it("refuses a package listed twice, naming both lines", () => {
    expect(refusal(() => parseBrew("a:\nb: a\na: b\n", "f"))).toMatchObject(
      failedWith("PKGI_LOAD_FILE", /^cannot load f: line 3: package a is already listed on line 1$/),
    );
  });
});
