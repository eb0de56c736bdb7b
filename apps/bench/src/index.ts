export { compare, type CompareOptions, type CompareResult, type Mode, type ModeSummary } from "./compare.ts";
export { findKnee, doublingSteps } from "./ramp.ts";
export { cpuDelta, cpuSnapshot, memory } from "./proc.ts";
export { lineChart, writeReport } from "./report.ts";
export { LoadPool, type LoadOptions, type LoadResult } from "./run.ts";
export { pkgindexCommand } from "./server.ts";
export { decodeHistogram, encodeHistogram, median, mergeHistograms, newHistogram, percentile, summarize } from "./stats.ts";
export { buildSchedule, buildWorkload, loadData, MIX_SHARES, MIXES, type MixName, type Schedule, type Workload } from "./workload.ts";
