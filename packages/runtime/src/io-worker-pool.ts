import { MessageChannel, Worker } from "node:worker_threads";
import { retireSnapshot, type MetricsSnapshot, type SupervisorMetrics } from "@pkgindex/metrics";
import type { ServerTlsMaterial } from "@pkgindex/tls";
import { ControlClient } from "./control-channel.ts";
import type { Logger } from "./logger.ts";
import type { ListenPorts, ServerConfig } from "./server-config.ts";
import { THREAD_HEAP } from "./thread-heap.ts";
import { nextEvent } from "./thread-events.ts";
import type { ThreadStatsSnapshot } from "./thread-messages.ts";
import { IO_WORKER_URL } from "./worker-urls.ts";

/** Pause before starting a fresh thread when no spare is ready (no hot crash loop). */
const RESPAWN_DELAY_MS = 100;
/** Start-up steps (attach, listen) of a thread that has loaded its code. */
const START_DEADLINE_MS = 10_000;
/** Beyond the drain deadline, how long a worker may take to say it is done before it counts as stuck. */
const STOP_SLACK_MS = 1000;

/**
 * The I/O worker threads, plus one warm spare: a thread that has loaded its
 * code and is connected to the state owner but does not listen. A crashed
 * worker's place is taken by the spare in milliseconds, whatever the load
 * (starting a thread costs most of a second of module loading), and a new
 * spare is started in the background.
 */
export class IoWorkerPool {
  private readonly config: ServerConfig;
  private readonly stateOwner: ControlClient;
  private readonly logger: Logger;
  private readonly onFatal: (message: string) => void;
  private readonly openCount = new SharedArrayBuffer(4);
  private readonly active: ControlClient[] = [];
  private spare: Promise<ControlClient> | null = null;
  private stopping = false;
  private ports: ListenPorts = { plain: null, tls: null };
  /** What new threads start with; replaced by reloadTls. */
  private tls: ServerTlsMaterial | null;
  restarts = 0;
  private readonly supervisorMetrics: SupervisorMetrics;
  /** Latest metrics of each active worker, by index, so a dead one's counters live on. */
  private readonly lastMetrics: MetricsSnapshot[] = [];
  /** Counters of replaced workers (retireSnapshot): totals must not drop. */
  private retired: MetricsSnapshot | undefined;
  /** Every thread started, listening or spare, until it exits. */
  private readonly threads = new Set<Worker>();

  constructor(
    config: ServerConfig,
    stateOwner: ControlClient,
    logger: Logger,
    supervisorMetrics: SupervisorMetrics,
    onFatal: (message: string) => void,
    tls: ServerTlsMaterial | null,
  ) {
    this.tls = tls;
    this.supervisorMetrics = supervisorMetrics;
    this.config = config;
    this.stateOwner = stateOwner;
    this.logger = logger;
    this.onFatal = onFatal;
  }

  /**
   * Starts `count` listening workers and the spare. The first binds `ports`
   * (0: any free port) and the others join the ports it got. Returns them.
   */
  async start(count: number, ports: ListenPorts): Promise<ListenPorts> {
    const loaded = await Promise.all(Array.from({ length: count + 1 }, () => this.spawnIdle()));
    this.spare = Promise.resolve(loaded.pop()!);
    this.ports = ports;
    this.ports = await this.activate(loaded[0], 1);
    await Promise.all(loaded.slice(1).map((worker, i) => this.activate(worker, i + 2)));
    return this.ports;
  }

  /** Hands checked TLS material to every thread, the spare included, and to threads started later. */
  async reloadTls(material: ServerTlsMaterial): Promise<void> {
    this.tls = material;
    // A spare that failed to start is not this reload's failure; a new one starts with `this.tls`.
    const spare = this.spare === null ? [] : [this.spare.then((w) => w.request("tls", material, START_DEADLINE_MS), () => undefined)];
    await Promise.all([...this.active.map((w) => w.request("tls", material, START_DEADLINE_MS)), ...spare]);
  }

  /** Ends every thread at once (a failed start). */
  async terminateAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.threads].map((w) => w.terminate()));
  }

  /** Test hook: crash worker 1. */
  crashFirst(): void {
    this.active[0]?.request("crash", null, START_DEADLINE_MS).catch(() => undefined);
  }

  stats(timeoutMs: number): Promise<ThreadStatsSnapshot[]> {
    return Promise.all(this.active.map((w) => w.request<ThreadStatsSnapshot>("stats", null, timeoutMs)));
  }

  /** Every active worker answers a ping in time. */
  async ping(timeoutMs: number): Promise<void> {
    await Promise.all(this.active.map((w) => w.request("ping", null, timeoutMs)));
  }

  /** Each active worker's metrics, plus the retired workers' counters. */
  async metrics(timeoutMs: number): Promise<MetricsSnapshot[]> {
    const snapshots = await Promise.all(
      this.active.map(async (w, i) => {
        try {
          const snapshot = await w.request<MetricsSnapshot>("metrics", null, timeoutMs);
          this.lastMetrics[i] = snapshot;
          return snapshot;
        } catch {
          // A busy or dying worker: its last known counters stand in.
          return this.lastMetrics[i] ?? [];
        }
      }),
    );
    return this.retired === undefined ? snapshots : [...snapshots, this.retired];
  }

  /**
   * drain: answer what was received, close connections, cutting off what
   * is left at the deadline; close: drop them now. Returns how many
   * connections were cut off owing replies (a worker that does not answer
   * in time counts as one, and is terminated).
   */
  async stop(how: "drain" | "close", deadlineMs: number): Promise<{ cutOff: number; threads: ThreadStatsSnapshot[] }> {
    this.stopping = true;
    const cut = await Promise.all(
      this.active.map((w) =>
        w.request<number>(how, { deadlineMs }, deadlineMs + STOP_SLACK_MS).catch((err: Error) => {
          this.logger.error({ err: err.message }, "I/O worker did not finish its drain");
          return 1;
        }),
      ),
    );
    const threads = await this.stats(STOP_SLACK_MS).catch(() => []);
    await Promise.all([...this.threads].map((w) => w.terminate()));
    return { cutOff: cut.reduce((a, b) => a + b, 0), threads };
  }

  private async spawnIdle(): Promise<ControlClient> {
    const channel = new MessageChannel();
    const worker = new Worker(IO_WORKER_URL, {
      workerData: { config: this.config, statePort: channel.port2, openCount: this.openCount, tls: this.tls },
      transferList: [channel.port2],
      resourceLimits: THREAD_HEAP,
      // The OS thread name: benchmarks find per-thread CPU in /proc by it.
      name: "io-worker",
    });
    this.threads.add(worker);
    worker.once("exit", () => this.threads.delete(worker));
    const client = new ControlClient(worker);
    const loaded = nextEvent(worker, "loaded");
    await this.stateOwner.request("attach", { port: channel.port1 }, START_DEADLINE_MS, [channel.port1]);
    await loaded;
    return client;
  }

  private async activate(client: ControlClient, index: number): Promise<ListenPorts> {
    const worker = client.worker;
    let crash = "";
    worker.on("error", (err) => {
      crash = err.message;
    });
    const bound = await client.request<ListenPorts>("listen", { index, ports: this.ports }, START_DEADLINE_MS);
    this.active[index - 1] = client;
    worker.once("exit", (code) => {
      if (this.stopping) return;
      this.logger.error({ worker: index, code, err: crash || undefined }, "I/O worker exited; replacing it");
      this.replace(index);
    });
    return bound;
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

  private delayedSpawn(): Promise<ControlClient> {
    const spawned = new Promise<void>((resolve) => setTimeout(resolve, RESPAWN_DELAY_MS)).then(() => {
      // A spare due after stop() would be a thread nobody ends.
      if (this.stopping) throw new Error("the I/O worker pool is stopping");
      return this.spawnIdle();
    });
    // A spare that failed to start is reported where it is used, if ever.
    spawned.catch(() => undefined);
    return spawned;
  }
}
