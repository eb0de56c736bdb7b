// The load threads and the main thread share one Int32Array: the main
// thread moves the phase on, the threads report progress. No messages per
// request or per chunk cross threads.
export const PHASE = 0;
export const CONNECTED = 1;
/** Slot `SLOTS + thread` holds that thread's replies counted so far. */
export const SLOTS = 2;

export const PHASE_WARMUP = 0;
export const PHASE_MEASURE = 1;
export const PHASE_STOP = 2;

export function newControl(threads: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (SLOTS + threads)));
}
