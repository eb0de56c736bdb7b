export { compare, type CompareResult, type ModeSummary } from "./compare.ts";
export { findKnee, doublingSteps } from "./ramp.ts";
export { lineChart, writeReport } from "./report.ts";
export { LoadPool, type LoadOptions, type LoadResult } from "./run.ts";
export { encodeHistogram, median, mergeHistograms, newHistogram, percentile, summarize } from "./stats.ts";
export { buildSchedule, buildWorkload, MIX_SHARES, MIXES, type Schedule } from "./workload.ts";
