import { Piscina } from "piscina";
import { CONNECTED, newControl, PHASE, PHASE_MEASURE, PHASE_STOP, repliesSlot, visitsSlot } from "./control.ts";
import type { LoadTask, LoadTaskResult } from "./load-worker.ts";
import { cpuDelta, cpuSnapshot, memory } from "./proc.ts";
import { distribution, type LatencySummary, mergeHistograms, type Spread, spread, summarize } from "./stats.ts";
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
  /** Churn: each connection sends this many lines, then closes and the slot connects again. */
  linesPerConnection?: number;
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
  /** Load threads for this run (at most the pool's): two runs at once (a soak) share the pool. */
  threads?: number;
  onProgress?: (p: { elapsedMs: number; durationMs: number; replies: number; measuring: boolean }) => void;
}

export interface ThreadCpu {
  name: string;
  usPerRequest: number;
}

/** RSS over a run, sampled from its start (before connecting) to the end of the measured window. */
export interface RssTrace {
  startMiB: number;
  peakMiB: number;
  endMiB: number;
  /** [seconds since the run began, MiB]. */
  samples: [number, number][];
}

export interface LoadResult {
  connections: number;
  depth: number;
  rate: number | null;
  /** Churn: lines per connection; null for the other loops. */
  linesPerConnection: number | null;
  mix: MixName;
  seconds: number;
  replies: number;
  rps: number;
  /** Throughput of each interval of the measured window (each a tenth of the window, clamped to 0.1–1 s): the run's own spread. */
  rpsIntervals: Spread;
  /** HDR-style latency distribution, [percentile, µs], up to 99.999% and then the max. */
  latencyUs: LatencySummary;
  distributionUs: [number, number][];
  /** Churn: connections that completed all their lines, per second, and their per-interval spread. */
  connectionsPerSecond: number | null;
  connectionIntervals: Spread | null;
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
    /** Churn: the server's CPU per completed connection. */
    cpuUsPerConnection: number | null;
    /** Server CPU over the measured window, all threads. */
    cpuSeconds: number;
    rss: RssTrace;
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
    const threads = Math.min(o.threads ?? this.threads, this.threads, o.connections);
    const control = newControl(threads);
    const open = (o.rate ?? 0) > 0;
    const churn = !open && (o.linesPerConnection ?? 0) > 0;
    const runStart = performance.now();
    const rss = new RssSampler(o.pid, runStart);
    rss.sample();
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
          loop: open ? "open" : churn ? "churn" : "closed",
          depth: o.depth,
          ratePerConnection: open ? o.rate! / o.connections : 0,
          linesPerConnection: churn ? o.linesPerConnection! : 0,
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
    await rss.during(o.warmupMs);
    const sum = (slot: (t: number) => number): number => {
      let n = 0;
      for (let t = 0; t < threads; t++) n += Atomics.load(control, slot(t));
      return n;
    };

    // About ten intervals per window, 0.1 to 1 s each: the run's spread, and
    // RSS samples frequent enough to catch a short peak.
    const intervalMs = Math.min(1000, Math.max(100, o.durationMs / 10));
    const rpsIntervals: number[] = [];
    const visitIntervals: number[] = [];
    const cpu0 = o.pid !== undefined ? cpuSnapshot(o.pid) : null;
    const also0 = (o.alsoPids ?? []).map((pid) => cpuSnapshot(pid));
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    Atomics.store(control, PHASE, PHASE_MEASURE);
    let lastAt = t0;
    let lastReplies = 0;
    let lastVisits = 0;
    while (!state.allDone) {
      const elapsed = performance.now() - t0;
      if (elapsed >= o.durationMs) break;
      const replies = sum(repliesSlot);
      o.onProgress?.({ elapsedMs: elapsed, durationMs: o.durationMs, replies, measuring: true });
      await sleep(Math.min(intervalMs, o.durationMs - elapsed));
      const now = performance.now();
      const r = sum(repliesSlot);
      const v = sum(visitsSlot);
      // A last sliver of the window would be all noise.
      if (now - lastAt >= intervalMs / 2) {
        rpsIntervals.push(((r - lastReplies) * 1000) / (now - lastAt));
        visitIntervals.push(((v - lastVisits) * 1000) / (now - lastAt));
      }
      lastAt = now;
      lastReplies = r;
      lastVisits = v;
      rss.sample();
    }
    const t1 = performance.now();
    const cpu1 = o.pid !== undefined ? cpuSnapshot(o.pid) : null;
    const also1 = (o.alsoPids ?? []).map((pid) => cpuSnapshot(pid));
    const bench1 = process.cpuUsage(bench0);
    const mem = o.pid !== undefined ? memory(o.pid) : null;
    rss.sample();
    Atomics.store(control, PHASE, PHASE_STOP);

    const outcomes = await settled;
    const results: LoadTaskResult[] = [];
    for (const r of outcomes) {
      if (r.status === "rejected") throw r.reason instanceof Error ? r.reason : new Error(String(r.reason));
      results.push(r.value);
    }
    const histogram = mergeHistograms(results.map((r) => r.histogram));
    const total = results.reduce((n, r) => n + r.replies, 0);
    const visits = results.reduce((n, r) => n + r.visits, 0);
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
        cpuUsPerConnection: churn ? (visits > 0 ? d.totalUs / visits : Number.NaN) : null,
        cpuSeconds: d.totalUs / 1e6,
        rss: rss.trace(),
      };
    }
    const latencyUs = summarize(histogram);
    const distributionUs = distribution(histogram);
    histogram.destroy();
    return {
      connections: o.connections,
      depth: open ? 0 : o.depth,
      rate: open ? o.rate! : null,
      linesPerConnection: churn ? o.linesPerConnection! : null,
      mix: o.mix,
      seconds,
      replies: total,
      rps: seconds > 0 ? total / seconds : 0,
      rpsIntervals: spread(rpsIntervals),
      latencyUs,
      distributionUs,
      connectionsPerSecond: churn ? (seconds > 0 ? visits / seconds : 0) : null,
      connectionIntervals: churn ? spread(visitIntervals) : null,
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

/** RSS of the server under load, sampled by the main thread between its other work. */
class RssSampler {
  private readonly samples: [number, number][] = [];
  private readonly pid: number | undefined;
  private readonly since: number;

  constructor(pid: number | undefined, since: number) {
    this.pid = pid;
    this.since = since;
  }

  sample(): void {
    if (this.pid === undefined) return;
    const m = memory(this.pid);
    if (m !== null && Number.isFinite(m.rssKiB)) this.samples.push([Math.round(performance.now() - this.since) / 1000, Math.round((m.rssKiB / 1024) * 10) / 10]);
  }

  /** Waits `ms`, sampling every 100 ms meanwhile. */
  async during(ms: number): Promise<void> {
    const end = performance.now() + ms;
    for (let left = ms; left > 0; left = end - performance.now()) {
      await sleep(Math.min(100, left));
      this.sample();
    }
  }

  trace(): RssTrace {
    const mib = this.samples.map((s) => s[1]);
    return { startMiB: mib[0] ?? Number.NaN, peakMiB: mib.length > 0 ? Math.max(...mib) : Number.NaN, endMiB: mib.at(-1) ?? Number.NaN, samples: this.samples };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
