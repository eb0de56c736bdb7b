import { describe, expect, it } from "vitest";
import { autoWorkers } from "../src/options.ts";

describe("--workers auto", () => {
  it.each([
    [1, 0],
    [2, 0],
    [3, 2],
    [4, 3],
    [8, 7],
    [9, 8],
    [64, 8],
  ])("on %i cores runs %i I/O workers", (cores, workers) => {
    expect(autoWorkers(cores)).toBe(workers);
  });
});
