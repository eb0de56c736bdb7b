// The load threads and the main thread share one Int32Array: the main
// thread moves the phase on, the threads report progress. No messages per
// request or per chunk cross threads.
export const PHASE = 0;
export const CONNECTED = 1;
const SLOTS = 2;

/** Replies thread `t` has counted so far (measuring phase). */
export function repliesSlot(t: number): number {
  return SLOTS + 2 * t;
}

/** Churn: connections thread `t` has completed so far (measuring phase). */
export function visitsSlot(t: number): number {
  return SLOTS + 2 * t + 1;
}

export const PHASE_WARMUP = 0;
export const PHASE_MEASURE = 1;
export const PHASE_STOP = 2;

export function newControl(threads: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 2 * threads)));
}
