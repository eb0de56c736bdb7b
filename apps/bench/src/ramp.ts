import type { LoadResult } from "./run.ts";

/**
 * The knee of a ramp: the fewest connections at which throughput is within
 * `tolerance` (10%) of the highest the ramp reached. Past it, more load
 * only queues: throughput stays flat while latency grows. Comparing with
 * the peak rather than step to step keeps one noisy step from ending the
 * search early.
 */
export function findKnee(steps: readonly LoadResult[], tolerance = 0.1): number {
  let peak = 0;
  for (const s of steps) if (s.rps > peak) peak = s.rps;
  return steps.findIndex((s) => s.rps >= peak * (1 - tolerance));
}

/** Connection counts doubling from 1 up to and including `max`. */
export function doublingSteps(max: number): number[] {
  const steps: number[] = [];
  for (let c = 1; c < max; c *= 2) steps.push(c);
  steps.push(max);
  return steps;
}
