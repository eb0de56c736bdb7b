// How a thread that waits for ring records is woken without paying for a
// wake-up while it is busy anyway (the ring-idle and ring-poll modes of hop-transports.ts; DECISIONS.md, issue 11). The consumer
// sets its flag before it sleeps (Atomics.waitAsync on the flag) and checks
// its rings once more; a producer that has published a record notifies only
// when it finds the flag set, and clears it so one wake-up serves every
// producer. While the consumer is awake it polls its rings at the end of each
// event-loop turn, and producers pay one Atomics.load per record.
//
// No wake-up is lost: a producer publishes, then reads the flag; the
// consumer sets the flag, then reads the rings. Sequentially consistent
// atomics order those four steps, so either the producer sees the flag (and
// notifies) or the consumer sees the record (and does not sleep). If the
// producer's clear comes before the consumer's waitAsync, that call finds
// the flag changed and returns at once ("not-equal").

const AWAKE = 0;
const ASLEEP = 1;

/** Shared memory of one doorbell: Int32Array(1) over a SharedArrayBuffer. */
export function createDoorbellMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** The producer's side: after publishing, ring(). */
export class DoorbellRinger {
  private readonly flag: Int32Array;

  constructor(memory: SharedArrayBuffer) {
    this.flag = new Int32Array(memory);
  }

  /** Wakes the consumer if it is asleep (or about to be); returns whether it notified. */
  ring(): boolean {
    if (Atomics.load(this.flag, 0) !== ASLEEP) return false;
    if (Atomics.compareExchange(this.flag, 0, ASLEEP, AWAKE) !== ASLEEP) return false;
    Atomics.notify(this.flag, 0);
    return true;
  }
}

/**
 * The consumer's side. `sleep(hasWork, wake)`: call when a drain found
 * nothing; it either calls `wake` later (after a producer rang) or returns
 * true at once when work arrived meanwhile (the caller drains again).
 */
export class DoorbellSleeper {
  private readonly flag: Int32Array;
  private asleep = false;
  private readonly onWake: () => void;
  private readonly woke = (): void => {
    this.asleep = false;
    this.onWake();
  };

  constructor(memory: SharedArrayBuffer, onWake: () => void) {
    this.flag = new Int32Array(memory);
    this.onWake = onWake;
  }

  /**
   * Arms the doorbell unless `hasWork()` (checked after arming) says records
   * arrived; returns true when the caller should drain now instead of
   * waiting for onWake. At most one waitAsync is pending at a time: a
   * consumer woken by something else (a socket) and asleep again reuses it.
   */
  sleep(hasWork: () => boolean): boolean {
    Atomics.store(this.flag, 0, ASLEEP);
    if (hasWork()) {
      Atomics.store(this.flag, 0, AWAKE);
      return true;
    }
    if (this.asleep) return false;
    const waited = Atomics.waitAsync(this.flag, 0, ASLEEP);
    if (!waited.async) return true; // a producer rang between the store and the wait
    this.asleep = true;
    void waited.value.then(this.woke);
    return false;
  }
}
