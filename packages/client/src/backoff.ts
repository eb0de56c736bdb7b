/**
 * The wait before retry number `retry` (1 for the first): minDelayMs doubled
 * per retry, capped at maxDelayMs, then "equal jitter" (a uniformly random
 * point in its upper half). Jitter keeps many clients that lost the same
 * server from reconnecting in lockstep; keeping the lower half out keeps the
 * delay growing, so a down server is not hammered.
 */
export function backoffDelay(retry: number, minDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(retry - 1, 30));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
