import { MessageChannel, Worker } from "node:worker_threads";
import { PkgIndexError, type ErrorCode } from "@pkgindex/errors";
import { aggregateMetrics, createSupervisorMetrics, type BuildInfo, type MetricsSnapshot } from "@pkgindex/metrics";
import { loadServerTls, type ServerTlsMaterial } from "@pkgindex/tls";
import { ControlClient, type ThreadEvent } from "./control-channel.ts";
import { FatalSignal } from "./fatal-signal.ts";
import type { FeedInit } from "./feed-init.ts";
import type { FeedHub } from "@pkgindex/feed";
import type { Feed } from "./feed-listener.ts";
import { IoWorkerPool } from "./io-worker-pool.ts";
import { portInUse } from "./listen.ts";
import type { Logger } from "./logger.ts";
import { foreignListener } from "./port-ownership.ts";
import type { DrainOutcome, RunningServer } from "./running-server.ts";
import type { StoreHealth } from "./store-health-reporter.ts";
import type { ListenPorts, ServerConfig } from "./server-config.ts";
import { STORE_READY, type StoreStatus, type StoreStatusListener } from "./store-status.ts";
import { THREAD_HEAP } from "./thread-heap.ts";
import { nextEvent } from "./thread-events.ts";
import type { FeedMessage, PkgIndexErrorData, StateOwnerData, ThreadStatsSnapshot } from "./thread-messages.ts";
import { STATE_OWNER_URL } from "./worker-urls.ts";

/** How long the state owner may take to commit and close at stop. */
const STOP_DEADLINE_MS = 30_000;
/** At stop, how long the last committed changes may take to reach the feed. */
const FEED_FLUSH_DEADLINE_MS = 2000;

/**
 * Worker mode: one state-owner thread and N I/O worker threads, started and
 * watched from the main thread. A crashed I/O worker is replaced (its
 * clients reconnect, everyone else goes on); a crashed state owner is fatal,
 * since nothing else may touch the index: the application is told (onFatal)
 * and decides the exit.
 */
export async function startSupervised(
  config: ServerConfig,
  logger: Logger,
  tls: ServerTlsMaterial | null,
  onStoreStatus: StoreStatusListener,
  build: BuildInfo,
): Promise<RunningServer> {
  const wanted: ListenPorts = { plain: config.plainListener ? config.port : null, tls: config.tlsPort };
  // Refused before anything binds, so a running server's clients never meet
  // a listener of ours (SO_REUSEPORT would let us join its port).
  for (const port of [wanted.plain, wanted.tls]) {
    if (port !== null && port !== 0 && foreignListener(port)) throw portInUse(config.host, port);
  }
  let stopping = false;
  const fatal = new FatalSignal();

  // The revision of the last committed change: the state owner's (memory,
  // SQLite) or the feed's (PostgreSQL), read here and by the state owner's metrics.
  const revisionView = new BigInt64Array(new SharedArrayBuffer(8));
  // The feed is served here, off the state owner's thread. With a local
  // store the state owner posts one message per commit on a port of its own,
  // never the data ports; with PostgreSQL the feed reads the database itself.
  const feedChannel = config.feedPort > 0 && config.store !== "postgres" ? new MessageChannel() : undefined;
  let feed: Feed | undefined;
  let hub: FeedHub | undefined;
  const { promise: feedInitReceived, resolve: receivedInit } = Promise.withResolvers<FeedInit>();
  feedChannel?.port1.on("message", (m: FeedMessage) => {
    if (m.type === "init") receivedInit(m.init);
    else hub?.append(m.batch);
  });
  const workerData: StateOwnerData = { config, revision: revisionView.buffer as SharedArrayBuffer, feedPort: feedChannel?.port2 };
  const worker = new Worker(STATE_OWNER_URL, {
    workerData,
    transferList: feedChannel === undefined ? [] : [feedChannel.port2],
    name: "state-owner",
    resourceLimits: THREAD_HEAP,
  });
  const stateOwner = new ControlClient(worker);
  // The state owner says when PostgreSQL comes and goes, from its first
  // connect attempt on (so /readyz can say why it is 503 during start-up).
  let storeStatus: StoreStatus = STORE_READY;
  worker.on("message", (m: ThreadEvent) => {
    if (m?.kind !== "event" || m.type !== "store-status") return;
    storeStatus = { ready: m.ready === true, reason: String(m.reason ?? "") };
    onStoreStatus(storeStatus);
  });
  const ready = await nextEvent(worker, "ready", "failed").catch(
    (err: Error): ThreadEvent => ({ kind: "event", type: "failed", code: "PKGI_STATE_OWNER_CRASHED", details: { reason: err.message } }),
  );
  if (ready.type === "failed") {
    await worker.terminate();
    throw new PkgIndexError(ready.code as ErrorCode, ready.details as Record<string, string | number>);
  }
  logger.info({ packages: ready.packages, edges: ready.edges, millis: ready.millis, store: config.store }, "index loaded");
  // One fatal line, with the reason: the 'error' event (an uncaught throw)
  // comes before 'exit', so remember it and report at exit.
  let stateOwnerError = "";
  worker.on("error", (err) => {
    stateOwnerError = err.message;
  });
  let storeHealth: StoreHealth = { writable: true, reason: "" };
  worker.on("message", (m: ThreadEvent) => {
    if (m?.kind !== "event") return;
    if (m.type === "fatal") fatal.fire(String(m.reason), "PKGI_DB_COMMIT_FAILED");
    else if (m.type === "store") storeHealth = { writable: m.writable === true, reason: String(m.reason) };
  });
  worker.on("exit", (code) => {
    if (stopping) return;
    const reason = stateOwnerError === "" ? `exit code ${code}` : `${stateOwnerError} (exit code ${code})`;
    fatal.fire(new PkgIndexError("PKGI_STATE_OWNER_CRASHED", { reason }).message, "PKGI_STATE_OWNER_CRASHED");
  });

  if (config.feedPort > 0) {
    try {
      // Loaded only with --feed-port: a server without a feed starts as fast as before.
      const { engineFedHub, postgresFeedSource, startFeed } = await import("./feed-listener.ts");
      if (config.store === "postgres") {
        // After "ready": the state owner connected, so the schema is migrated.
        const source = await postgresFeedSource(config, logger);
        Atomics.store(revisionView, 0, BigInt(source.currentRevision));
        source.onCommitted((_first, last) => Atomics.store(revisionView, 0, BigInt(last)));
        feed = await startFeed(config, source, logger, () => source.close());
      } else {
        // The state owner sent its starting point before "ready"; nothing is applied before the I/O workers start.
        hub = engineFedHub(config, await feedInitReceived);
        feed = await startFeed(config, hub, logger);
      }
    } catch (err) {
      stopping = true;
      feedChannel?.port1.close();
      await worker.terminate();
      throw err;
    }
  }
  const revision = (): number => Number(Atomics.load(revisionView, 0));
  /** Resolves once the feed holds every committed change (their messages may trail the stop reply: two ports, no order between them). */
  const feedCaughtUp = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (hub === undefined || hub.currentRevision >= revision()) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, FEED_FLUSH_DEADLINE_MS);
      hub.onCommitted((_first, last) => {
        if (last < revision()) return;
        clearTimeout(timer);
        resolve();
      });
    });

  const supervisorMetrics = createSupervisorMetrics({ build, supervising: true });
  const pool = new IoWorkerPool(config, stateOwner, logger, supervisorMetrics, (message) => fatal.fire(message, "PKGI_WORKER_START_FAILED"), tls);
  let ports: ListenPorts;
  try {
    ports = await pool.start(config.workers, wanted);
  } catch (err) {
    stopping = true;
    await Promise.all([worker.terminate(), pool.terminateAll(), feed?.close()]);
    feedChannel?.port1.close();
    if (err instanceof PkgIndexError) throw err;
    throw new PkgIndexError("PKGI_WORKER_START_FAILED", { reason: (err as Error).message });
  }
  // Two servers started at once could both pass the first check: now that
  // ours listen, every listener on the port must be this process's.
  for (const port of [ports.plain, ports.tls]) {
    if (port !== null && foreignListener(port)) {
      stopping = true;
      await Promise.all([worker.terminate(), pool.terminateAll(), feed?.close()]);
      feedChannel?.port1.close();
      throw portInUse(config.host, port);
    }
  }

  if (config.testHooks) {
    // Test-only triggers for supervision tests (never on without --test-hooks).
    process.on("SIGUSR2", () => pool.crashFirst());
    process.on("SIGWINCH", () => stateOwner.request("crash", null, 1000).catch(() => undefined));
  }

  // Every I/O worker first answers what it received and closes its
  // connections; only then does the state owner commit and close the store.
  const stopAll = async (how: "drain" | "close", deadlineMs: number): Promise<DrainOutcome> => {
    stopping = true;
    const { cutOff, threads } = await pool.stop(how, deadlineMs);
    const owner = await stateOwner.request<ThreadStatsSnapshot>("stats", null, STOP_DEADLINE_MS).then(
      (s) => [s],
      () => [],
    );
    const stopped = await stateOwner
      .request<{ storeError?: string }>("stop", null, STOP_DEADLINE_MS)
      .catch((err: Error) => ({ storeError: `the state owner did not stop: ${err.message}` }));
    await feedCaughtUp();
    await worker.terminate();
    await feed?.close();
    feedChannel?.port1.close();
    const all = [...owner, ...threads];
    return stopped.storeError === undefined ? { cutOff, threads: all } : { cutOff, storeError: stopped.storeError, threads: all };
  };

  return {
    port: ports.plain,
    tlsPort: ports.tls,
    async reloadTls() {
      // Checked here once; each worker then builds its own context from it.
      if (config.tls !== null) await pool.reloadTls(loadServerTls(config.tls.files));
    },
    feedPort: feed?.server.port,
    revision,
    async threadStats(timeoutMs: number): Promise<ThreadStatsSnapshot[]> {
      return Promise.all([stateOwner.request<ThreadStatsSnapshot>("stats", null, timeoutMs), ...(await pool.stats(timeoutMs))]);
    },
    storeStatus: () => storeStatus,
    storeHealth: () => storeHealth,
    async live(timeoutMs: number): Promise<boolean> {
      await Promise.all([stateOwner.request("ping", null, timeoutMs), pool.ping(timeoutMs)]);
      return true;
    },
    async metrics(timeoutMs: number): Promise<string> {
      const [owner, workers, own, fed] = await Promise.all([
        stateOwner.request<MetricsSnapshot>("metrics", null, timeoutMs).catch(() => []),
        pool.metrics(timeoutMs),
        supervisorMetrics.snapshot(),
        feed === undefined ? [] : feed.metrics(),
      ]);
      return aggregateMetrics([owner, ...workers, own, fed]);
    },
    async backup(file: string, timeoutMs: number): Promise<void> {
      const outcome = await stateOwner.request<PkgIndexErrorData | null>("backup", { file }, timeoutMs);
      if (outcome !== null) throw new PkgIndexError(outcome.code, outcome.details);
    },
    drain: (deadlineMs: number) => stopAll("drain", deadlineMs),
    close: async () => {
      await stopAll("close", 0);
    },
    onFatal: (listener) => fatal.on(listener),
  };
}
