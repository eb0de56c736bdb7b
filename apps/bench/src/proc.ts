import { readdirSync, readFileSync } from "node:fs";

/**
 * A process's CPU and memory from Linux /proc. CPU comes from each thread's
 * schedstat (nanoseconds on CPU, far finer than the 10 ms ticks of
 * /proc/<pid>/stat), keyed by thread so a thread's share can be reported by
 * its name (pkgindex names its threads `state-owner`, `io-worker-N`).
 */
export interface CpuSnapshot {
  /** tid -> [thread name, ns on CPU]. */
  threads: Map<number, [string, number]>;
}

export function cpuSnapshot(pid: number): CpuSnapshot | null {
  const threads = new Map<number, [string, number]>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const tid of tids) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trim();
      threads.set(Number(tid), [name, ns]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { threads };
}

export interface CpuDelta {
  /** Microseconds on CPU over all threads alive at the end of the window. */
  totalUs: number;
  /** Microseconds per thread name (threads of the same name summed), busiest first. */
  byName: [string, number][];
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuDelta {
  const byName = new Map<string, number>();
  let totalNs = 0;
  for (const [tid, [name, ns]] of after.threads) {
    const start = before.threads.get(tid)?.[1] ?? 0;
    const d = Math.max(0, ns - start);
    totalNs += d;
    // Numbered I/O workers sum under one name; others keep theirs.
    const key = name.replace(/-\d+$/, "-*");
    byName.set(key, (byName.get(key) ?? 0) + d / 1000);
  }
  return { totalUs: totalNs / 1000, byName: [...byName].toSorted((a, b) => b[1] - a[1]) };
}

/** Resident set size and its peak, in KiB. */
export function memory(pid: number): { rssKiB: number; peakKiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rssKiB: field("VmRSS"), peakKiB: field("VmHWM") };
  } catch {
    return null;
  }
}
