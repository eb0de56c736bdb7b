import { describe, expect, it } from "vitest";
import { BrewFormatError, parseBrew } from "../src/index.ts";

// The format's full behaviour is tested through its readers
// (packages/store/test/brew-format.test.ts, apps/harness/test/dataset.test.ts);
// here what both rely on.
describe("parseBrew", () => {
  it("ends a name at the first colon followed by a space, a tab or the end of the line", () => {
    expect(parseBrew("a:b: c\td:e\nc:\nx:y:\n")).toEqual([
      { name: "a:b", deps: ["c", "d:e"] },
      { name: "c", deps: [] },
      { name: "x:y", deps: [] },
    ]);
  });

  it("refuses with the line number and a reason, apart", () => {
    let caught: unknown;
    try {
      parseBrew("a:\n\nb c\n");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BrewFormatError);
    expect(caught).toMatchObject({ line: 3, reason: 'expected "name: dep dep ..." (no ":" after the package name)', message: 'line 3: expected "name: dep dep ..." (no ":" after the package name)' });
  });

  it("gives each entry's line when asked", () => {
    const lines: number[] = [];
    parseBrew("\na:\n\n\nb: a\n", lines);
    expect(lines).toEqual([2, 5]);
  });
});
