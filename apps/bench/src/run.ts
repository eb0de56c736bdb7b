import { Piscina } from "piscina";
import { CONNECTED, newControl, PHASE, PHASE_MEASURE, PHASE_STOP, SLOTS } from "./control.ts";
import type { LoadTask, LoadTaskResult } from "./load-worker.ts";
import { cpuDelta, cpuSnapshot, memory } from "./proc.ts";
import { type LatencySummary, mergeHistograms, summarize } from "./stats.ts";
import type { DataSource, MixName } from "./workload.ts";

export interface LoadOptions {
  host: string;
  port: number;
  /** Connect over TLS with these options. */
  tls?: import("node:tls").ConnectionOptions;
  connections: number;
  /** Requests in flight per connection (closed loop). */
  depth: number;
  /** Open loop: total requests per second; 0 or absent = closed loop. */
  rate?: number;
  durationMs: number;
  warmupMs: number;
  mix: MixName;
  malformed: number;
  seed: number;
  source: DataSource;
  indexedShare: number;
  /** The server's pid, for its CPU and memory. */
  pid?: number;
  /** Other processes whose CPU counts as the server's (a TLS-terminating HAProxy in front of it). */
  alsoPids?: number[];
  onProgress?: (p: { elapsedMs: number; durationMs: number; replies: number; measuring: boolean }) => void;
}

export interface ThreadCpu {
  name: string;
  usPerRequest: number;
}

export interface LoadResult {
  connections: number;
  depth: number;
  rate: number | null;
  mix: MixName;
  seconds: number;
  replies: number;
  rps: number;
  latencyUs: LatencySummary;
  ok: number;
  fail: number;
  error: number;
  errors: number;
  firstError: string | null;
  server: {
    pid: number;
    cpuUsPerRequest: number;
    /** Per thread name: the state owner's is the design's throughput ceiling. */
    threads: ThreadCpu[];
    rssKiB: number;
    peakRssKiB: number;
  } | null;
  /** The load generator's own CPU (all its threads) per request. */
  benchCpuUsPerRequest: number;
}

const SCHEDULE_LENGTH = 1 << 16;

function workerFile(): string {
  // Runs from source (.ts, type stripping) or from the bundle in dist/.
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./load-worker${ext}`, import.meta.url).href;
}

/** A pool of load threads, kept for a whole bench command. */
export class LoadPool {
  readonly threads: number;
  private readonly pool: Piscina<LoadTask, LoadTaskResult>;

  constructor(threads: number) {
    this.threads = Math.max(1, threads);
    this.pool = new Piscina({ filename: workerFile(), minThreads: this.threads, maxThreads: this.threads, concurrentTasksPerWorker: 1, idleTimeout: 60_000 });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  /**
   * Runs one load: the connections are split over the threads; after the
   * warm-up the main thread opens the measuring window (server CPU read at
   * both ends), and at its end tells the threads to stop and drain.
   */
  async run(o: LoadOptions): Promise<LoadResult> {
    const threads = Math.min(this.threads, o.connections);
    const control = newControl(threads);
    const open = (o.rate ?? 0) > 0;
    const tasks: Promise<LoadTaskResult>[] = [];
    let first = 0;
    for (let t = 0; t < threads; t++) {
      const share = Math.floor(o.connections / threads) + (t < o.connections % threads ? 1 : 0);
      tasks.push(
        this.pool.run({
          host: o.host,
          port: o.port,
          tls: o.tls,
          connections: share,
          firstConnection: first,
          loop: open ? "open" : "closed",
          depth: o.depth,
          ratePerConnection: open ? o.rate! / o.connections : 0,
          source: o.source,
          indexedShare: o.indexedShare,
          mix: o.mix,
          malformed: o.malformed,
          seed: o.seed + t,
          scheduleLength: SCHEDULE_LENGTH,
          control,
          slot: t,
          drainMs: 3000,
        }),
      );
      first += share;
    }
    const settled = Promise.allSettled(tasks);
    // Set when every thread has returned: all its connections failed or closed.
    const state = { allDone: false };
    void settled.then(() => {
      state.allDone = true;
    });

    // Wait until every connection is open (or a thread has given up).
    const connectDeadline = performance.now() + 30_000;
    while (Atomics.load(control, CONNECTED) < o.connections && !state.allDone && performance.now() < connectDeadline) await sleep(10);
    await sleep(o.warmupMs);
    const replies = (): number => {
      let n = 0;
      for (let t = 0; t < threads; t++) n += Atomics.load(control, SLOTS + t);
      return n;
    };

    const cpu0 = o.pid !== undefined ? cpuSnapshot(o.pid) : null;
    const also0 = (o.alsoPids ?? []).map((pid) => cpuSnapshot(pid));
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    Atomics.store(control, PHASE, PHASE_MEASURE);
    while (!state.allDone) {
      const elapsed = performance.now() - t0;
      if (elapsed >= o.durationMs) break;
      o.onProgress?.({ elapsedMs: elapsed, durationMs: o.durationMs, replies: replies(), measuring: true });
      await sleep(Math.min(200, o.durationMs - elapsed));
    }
    const t1 = performance.now();
    const cpu1 = o.pid !== undefined ? cpuSnapshot(o.pid) : null;
    const also1 = (o.alsoPids ?? []).map((pid) => cpuSnapshot(pid));
    const bench1 = process.cpuUsage(bench0);
    const mem = o.pid !== undefined ? memory(o.pid) : null;
    Atomics.store(control, PHASE, PHASE_STOP);

    const outcomes = await settled;
    const results: LoadTaskResult[] = [];
    for (const r of outcomes) {
      if (r.status === "rejected") throw r.reason instanceof Error ? r.reason : new Error(String(r.reason));
      results.push(r.value);
    }
    const histogram = mergeHistograms(results.map((r) => r.histogram));
    const total = results.reduce((n, r) => n + r.replies, 0);
    const seconds = (t1 - t0) / 1000;
    let server: LoadResult["server"] = null;
    if (o.pid !== undefined && cpu0 !== null && cpu1 !== null) {
      const d = cpuDelta(cpu0, cpu1);
      also0.forEach((before, i) => {
        const after = also1[i];
        if (before === null || after === null) return;
        const extra = cpuDelta(before, after);
        d.totalUs += extra.totalUs;
        d.byName.push(...extra.byName);
      });
      server = {
        pid: o.pid,
        cpuUsPerRequest: total > 0 ? d.totalUs / total : 0,
        threads: d.byName.map(([name, us]) => ({ name, usPerRequest: total > 0 ? us / total : 0 })),
        rssKiB: mem?.rssKiB ?? Number.NaN,
        peakRssKiB: mem?.peakKiB ?? Number.NaN,
      };
    }
    const latencyUs = summarize(histogram);
    histogram.destroy();
    return {
      connections: o.connections,
      depth: open ? 0 : o.depth,
      rate: open ? o.rate! : null,
      mix: o.mix,
      seconds,
      replies: total,
      rps: seconds > 0 ? total / seconds : 0,
      latencyUs,
      ok: results.reduce((n, r) => n + r.ok, 0),
      fail: results.reduce((n, r) => n + r.fail, 0),
      error: results.reduce((n, r) => n + r.error, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      firstError: results.find((r) => r.firstError !== null)?.firstError ?? null,
      server,
      benchCpuUsPerRequest: total > 0 ? (bench1.user + bench1.system) / total : 0,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
