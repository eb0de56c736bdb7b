import { MessageChannel, Worker } from "node:worker_threads";
import { retireSnapshot, type MetricsSnapshot, type SupervisorMetrics } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";
import type { ServerConfig } from "./server-config.ts";
import { nextMessage } from "./thread-events.ts";
import type { ThreadRequests } from "./thread-requests.ts";
import type { FromIoWorker, ThreadReply, ThreadStatsSnapshot, ToIoWorker, ToStateOwner } from "./thread-messages.ts";
import { IO_WORKER_URL } from "./worker-urls.ts";

/** Pause before starting a fresh thread when no spare is ready (no hot crash loop). */
const RESPAWN_DELAY_MS = 100;

/**
 * The I/O worker threads, plus one warm spare: a thread that has loaded its
 * code and is connected to the state owner but does not listen. A crashed
 * worker's place is taken by the spare in milliseconds, whatever the load
 * (starting a thread costs most of a second of module loading), and a new
 * spare is started in the background.
 */
export class IoWorkerPool {
  private readonly config: ServerConfig;
  private readonly port: number;
  private readonly stateOwner: Worker;
  private readonly logger: Logger;
  private readonly onFatal: (message: string) => void;
  private readonly openCount = new SharedArrayBuffer(4);
  private readonly active: Worker[] = [];
  private spare: Promise<Worker> | null = null;
  private stopping = false;
  restarts = 0;
  private readonly supervisorMetrics: SupervisorMetrics;
  /** Latest metrics of each active worker, by index, so a dead one's counters live on. */
  private readonly lastMetrics: MetricsSnapshot[] = [];
  /** Counters of replaced workers (retireSnapshot): totals must not drop. */
  private retired: MetricsSnapshot | undefined;

  constructor(
    config: ServerConfig,
    port: number,
    stateOwner: Worker,
    logger: Logger,
    supervisorMetrics: SupervisorMetrics,
    onFatal: (message: string) => void,
  ) {
    this.supervisorMetrics = supervisorMetrics;
    this.config = config;
    this.port = port;
    this.stateOwner = stateOwner;
    this.logger = logger;
    this.onFatal = onFatal;
  }

  /** Starts `count` listening workers and the spare, all in parallel. */
  async start(count: number): Promise<void> {
    const loaded = await Promise.all(Array.from({ length: count + 1 }, () => this.spawnIdle()));
    this.spare = Promise.resolve(loaded.pop()!);
    await Promise.all(loaded.map((worker, i) => this.activate(worker, i + 1)));
  }

  /** Every thread started so far (to stop them all on failure). */
  all(): Worker[] {
    return [...this.active];
  }

  /** Test hook: crash worker 1. */
  crashFirst(): void {
    this.active[0]?.postMessage({ type: "crash" } satisfies ToIoWorker);
  }

  async stats(): Promise<ThreadStatsSnapshot[]> {
    return Promise.all(
      this.active.map(async (w) => {
        const reply = nextMessage<FromIoWorker>(w, (m) => m.type === "stats");
        w.postMessage({ type: "stats" } satisfies ToIoWorker);
        const m = await reply;
        return m.type === "stats" ? m.stats : Promise.reject(new Error("unexpected reply"));
      }),
    );
  }

  /** Every active worker answers a ping in time. */
  async ping(requests: ThreadRequests, timeoutMs: number): Promise<void> {
    await Promise.all(this.active.map((w) => requests.ask(w, "ping", "pong", timeoutMs)));
  }

  /** Each active worker's metrics, plus the retired workers' counters. */
  async metrics(requests: ThreadRequests, timeoutMs: number): Promise<MetricsSnapshot[]> {
    const snapshots = await Promise.all(
      this.active.map(async (w, i) => {
        try {
          const reply = await requests.ask<Extract<ThreadReply, { type: "metrics" }>>(w, "metrics", "metrics", timeoutMs);
          this.lastMetrics[i] = reply.snapshot;
          return reply.snapshot;
        } catch {
          // A busy or dying worker: its last known counters stand in.
          return this.lastMetrics[i] ?? [];
        }
      }),
    );
    return this.retired === undefined ? snapshots : [...snapshots, this.retired];
  }

  /** drain: answer what was received, close connections; close: drop them. */
  async stop(how: "drain" | "close"): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.active.map(async (w) => {
        const done = nextMessage<FromIoWorker>(w, (m) => m.type === "drained").catch(() => undefined);
        w.postMessage({ type: how } satisfies ToIoWorker);
        await done;
      }),
    );
    const spare = await this.spare?.catch(() => null);
    await Promise.all([...this.active, ...(spare ? [spare] : [])].map((w) => w.terminate()));
  }

  private spawnIdle(): Promise<Worker> {
    const channel = new MessageChannel();
    this.stateOwner.postMessage({ type: "attach", port: channel.port1 } satisfies ToStateOwner, [channel.port1]);
    const worker = new Worker(IO_WORKER_URL, {
      workerData: { config: this.config, port: this.port, statePort: channel.port2, openCount: this.openCount },
      transferList: [channel.port2],
      // The OS thread name: benchmarks find per-thread CPU in /proc by it.
      name: "io-worker",
    });
    return nextMessage<FromIoWorker>(worker, (m) => m.type === "loaded").then(() => worker);
  }

  private async activate(worker: Worker, index: number): Promise<void> {
    const listening = nextMessage<FromIoWorker>(worker, (m) => m.type === "listening");
    worker.postMessage({ type: "listen", index } satisfies ToIoWorker);
    await listening;
    this.active[index - 1] = worker;
    let crash = "";
    worker.on("error", (err) => {
      crash = err.message;
    });
    worker.once("exit", (code) => {
      if (this.stopping) return;
      this.logger.error({ worker: index, code, err: crash || undefined }, "I/O worker exited; replacing it");
      this.replace(index);
    });
  }

  private replace(index: number): void {
    this.restarts++;
    this.supervisorMetrics.recordRestart("io-worker");
    const last = this.lastMetrics[index - 1];
    this.lastMetrics[index - 1] = [];
    if (last !== undefined && last.length > 0) {
      retireSnapshot(this.retired, last).then((carry) => (this.retired = carry));
    }
    const spare = this.spare ?? this.delayedSpawn();
    this.spare = this.delayedSpawn();
    spare
      .then((worker) => this.activate(worker, index))
      .then(
        () => this.logger.warn({ worker: index, restarts: this.restarts }, "I/O worker replaced"),
        (err: Error) => this.onFatal(`I/O worker ${index} could not be replaced: ${err.message}`),
      );
  }

  private delayedSpawn(): Promise<Worker> {
    return new Promise<void>((resolve) => setTimeout(resolve, RESPAWN_DELAY_MS)).then(() => this.spawnIdle());
  }
}
