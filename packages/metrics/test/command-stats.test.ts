import { describe, expect, it } from "vitest";
import { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS, CommandStats } from "../src/index.ts";

describe("CommandStats.recordBatch", () => {
  it("counts the batch, its commands and its time", () => {
    const stats = new CommandStats();
    stats.recordBatch(3, 0.002);
    stats.recordBatch(5, 0.001);
    expect(stats.batches).toBe(2);
    expect(stats.batchedCommands).toBe(8);
    expect(stats.applySeconds).toBeCloseTo(0.003, 12);
  });

  it("puts a value equal to a bound in that bound's bucket (le is inclusive)", () => {
    const stats = new CommandStats();
    stats.recordBatch(4, APPLY_SECONDS_BOUNDS[0]);
    expect(stats.batchSizeBuckets[BATCH_SIZE_BOUNDS.indexOf(4)]).toBe(1);
    expect(stats.applySecondsBuckets[0]).toBe(1);
  });

  it("puts a value between two bounds in the upper one's bucket", () => {
    const stats = new CommandStats();
    stats.recordBatch(5, 0);
    expect(stats.batchSizeBuckets[BATCH_SIZE_BOUNDS.indexOf(8)]).toBe(1);
  });

  it("puts a value above the last bound in the +Inf bucket", () => {
    const stats = new CommandStats();
    const last = BATCH_SIZE_BOUNDS[BATCH_SIZE_BOUNDS.length - 1];
    stats.recordBatch(last + 1, 1e9);
    expect(stats.batchSizeBuckets[BATCH_SIZE_BOUNDS.length]).toBe(1);
    expect(stats.applySecondsBuckets[APPLY_SECONDS_BOUNDS.length]).toBe(1);
  });
});
