import { describe, expect, it } from "vitest";
import { autoWorkers } from "../src/options.ts";
import { parseRetention } from "../src/retention-option.ts";

describe("--workers auto", () => {
  it.each([
    [1, 0, 0],
    [2, 0, 0],
    [3, 2, 2],
    [4, 3, 3],
    [8, 7, 7],
    [9, 8, 8],
    [10, 9, 8],
    [13, 12, 8],
    [14, 12, 8],
    [64, 12, 8],
  ])("on %i cores runs %i I/O workers with --reads local, %i with --reads owner", (cores, local, owner) => {
    expect(autoWorkers(cores, "local")).toBe(local);
    expect(autoWorkers(cores, "owner")).toBe(owner);
  });

  it("defaults to the --reads default (local)", () => {
    expect(autoWorkers(32)).toBe(autoWorkers(32, "local"));
  });
});

describe("parseRetention", () => {
  it.each([
    ["10000", { revisions: 10000 }],
    ["1", { revisions: 1 }],
    ["90s", { ageMs: 90_000 }],
    ["30m", { ageMs: 1_800_000 }],
    ["1h", { ageMs: 3_600_000 }],
    ["7d", { ageMs: 604_800_000 }],
  ])("%s", (text, expected) => {
    expect(parseRetention(text)).toEqual(expected);
  });

  it.each(["", "0", "-5", "1.5", "1w", "h", "10 000", "99999999999999999999"])("refuses %j with a reason", (text) => {
    expect(typeof parseRetention(text)).toBe("string");
  });
});
