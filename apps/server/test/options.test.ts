import { describe, expect, it } from "vitest";
import { autoWorkers } from "../src/options.ts";

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
