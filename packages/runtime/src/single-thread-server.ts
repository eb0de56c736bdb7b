import { aggregateMetrics, createSupervisorMetrics, createThreadMetrics, type BuildInfo, type CommandStats } from "@pkgindex/metrics";
import type { StoreKind } from "@pkgindex/store";
import { loadServerTls, type ServerTlsMaterial } from "@pkgindex/tls";
import { connectionObjects } from "./connection-census.ts";
import { ConnectionServer } from "./connection-server.ts";
import type { CommandDispatcher } from "./connection.ts";
import { FatalSignal } from "./fatal-signal.ts";
import { IndexEngine } from "./index-engine.ts";
import { LocalDispatcher } from "./local-dispatcher.ts";
import { RemoteDispatcher } from "./remote-dispatcher.ts";
import { activeRejectReasons } from "./reject-reasons.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { StoreHealthReporter, type StoreHealth } from "./store-health-reporter.ts";
import { commitFailure } from "./commit-failure.ts";
import type { Feed } from "./feed-listener.ts";
import type { FeedRecorder } from "./feed-recorder.ts";
import type { Logger } from "./logger.ts";
import type { DrainOutcome, RunningServer } from "./running-server.ts";
import type { ListenPorts, ServerConfig } from "./server-config.ts";
import { STORE_READY, type StoreStatus, type StoreStatusListener } from "./store-status.ts";

/** How long a metrics scrape waits for PostgreSQL's package count (/metrics waits 1 s in all). */
const METRICS_COUNT_TIMEOUT_MS = 500;
const WRITABLE: StoreHealth = { writable: true, reason: "" };

/** What the single thread needs from either engine. */
interface SingleEngine {
  stats: CommandStats;
  graph: { size: number; edgeCount: number };
  /** The store commits (anything but memory): its metric series exist. */
  durable: boolean;
  /** Brings `graph` up to date before a metrics scrape (PostgreSQL: a count). */
  beforeMetrics?: () => Promise<void>;
  dispatcher: CommandDispatcher;
  /** PostgreSQL reachable (always ready for the local stores). */
  status(): StoreStatus;
  /** The store accepts writes (false while SQLite's disk is full). */
  health(): StoreHealth;
  /** A live copy of the index into `file` (SQLite only). */
  backup(file: string): Promise<void>;
  /** The revision of the last committed change (PostgreSQL: the feed's, 0 without one). */
  revision(): number;
  /** The change feed (--feed-port). */
  feed?: Feed;
  stop(): Promise<void>;
}

async function openEngine(config: ServerConfig, logger: Logger, onStoreStatus: StoreStatusListener, fatal: FatalSignal, cutOff: () => void): Promise<SingleEngine> {
  if (config.store === "postgres") {
    // Loaded only here: node-postgres is the largest code a server carries,
    // and a local store never runs it (docs/DECISIONS.md, "Issue 19").
    const { postgresBackupUnavailable, RemoteEngine } = await import("./remote-engine.ts");
    const { engine, millis } = await RemoteEngine.open(config, logger, onStoreStatus);
    logger.info({ millis, store: config.store }, "index loaded");
    let feed: Feed | undefined;
    if (config.feedPort > 0) {
      // After the engine connected (the schema is migrated). Loaded only with --feed-port.
      try {
        const { postgresFeedSource, startFeed } = await import("./feed-listener.ts");
        const source = await postgresFeedSource(config, logger);
        feed = await startFeed(config, source, logger, () => source.close());
      } catch (err) {
        await engine.stop().catch(() => undefined);
        throw err;
      }
    }
    const graph = engine.graphCounts;
    return {
      stats: engine.stats,
      graph,
      durable: true,
      beforeMetrics: () => engine.refreshIndexSize(METRICS_COUNT_TIMEOUT_MS),
      dispatcher: new RemoteDispatcher(engine),
      status: () => engine.status,
      // An unreachable database is `status`; PostgreSQL has no read-only mode of ours.
      health: () => WRITABLE,
      backup: () => Promise.reject(postgresBackupUnavailable()),
      // The node numbers nothing itself: the revision is the feed's, as far as it has read pkgindex.changes (0 without a feed).
      revision: () => feed?.source.currentRevision ?? 0,
      feed,
      stop: async () => {
        try {
          await engine.stop();
        } finally {
          await feed?.close();
        }
      },
    };
  }
  // Not postgres here, so the store is one IndexEngine opens.
  const { engine, loaded } = IndexEngine.open({ ...config, store: config.store as StoreKind });
  logger.info({ ...loaded, store: config.store }, "index loaded");
  const storeHealth = new StoreHealthReporter(engine, logger);
  let feed: Feed | undefined;
  let recorder: FeedRecorder | undefined;
  if (config.feedPort > 0) {
    // Loaded only with --feed-port: a server without a feed starts as fast as before.
    const [{ feedInit }, { engineFedHub, startFeed }, { FeedRecorder }] = await Promise.all([import("./feed-init.ts"), import("./feed-listener.ts"), import("./feed-recorder.ts")]);
    const hub = engineFedHub(config, feedInit(engine));
    try {
      feed = await startFeed(config, hub, logger);
    } catch (err) {
      storeHealth.close();
      await engine.stop().catch(() => undefined);
      throw err;
    }
    // Same thread: committed changes go to the hub by a direct call, one batch per commit (per turn with the memory store).
    recorder = new FeedRecorder(engine.graph, (batch) => hub.append(batch), !engine.durable);
    engine.addChangeListener(recorder);
  }
  engine.onFailure((err) => {
    // Nothing of the failed batch is acknowledged; no one is served again.
    cutOff();
    fatal.fire(commitFailure(err), "PKGI_DB_COMMIT_FAILED");
  });
  return {
    stats: engine.stats,
    graph: engine.graph,
    durable: engine.durable,
    dispatcher: new LocalDispatcher(engine),
    status: () => STORE_READY,
    health: () => ({ writable: engine.writable, reason: engine.notWritableReason }),
    backup: (file) => engine.backup(file),
    revision: () => engine.publishedRevision,
    feed,
    stop: async () => {
      storeHealth.close();
      try {
        await engine.stop();
      } finally {
        // Everything committed reaches the feed before its streams end.
        recorder?.flush();
        await feed?.close();
      }
    },
  };
}

/** --workers 0: sockets, parsing, graph and store on the calling thread. */
export async function startSingleThread(
  config: ServerConfig,
  logger: Logger,
  tls: ServerTlsMaterial | null,
  onStoreStatus: StoreStatusListener,
  build: BuildInfo,
): Promise<RunningServer> {
  const fatal = new FatalSignal();
  let server: ConnectionServer | null = null;
  const engine = await openEngine(config, logger, onStoreStatus, fatal, () => server?.cutOff());
  server = new ConnectionServer(config, engine.dispatcher, engine.stats, logger, new Int32Array(1), tls);
  const listening = server;
  let ports: ListenPorts;
  try {
    ports = await listening.listen({ plain: config.plainListener ? config.port : null, tls: config.tlsPort }, false);
  } catch (err) {
    await engine.stop().catch(() => undefined);
    throw err;
  }
  const graph = engine.graph;
  const metrics = createThreadMetrics({
    role: "single",
    stats: engine.stats,
    indexSize: () => ({ packages: graph.size, edges: graph.edgeCount, revision: engine.revision() }),
    durable: engine.durable,
    storeWritable: () => engine.health().writable,
    rejectReasons: activeRejectReasons(config),
    tracked: () => listening.connections.size,
    liveObjects: config.testHooks ? connectionObjects : undefined,
  });
  const supervisorMetrics = createSupervisorMetrics({ build, supervising: false });
  const stopEngine = async (): Promise<string | undefined> => {
    try {
      await engine.stop();
      return undefined;
    } catch (err) {
      return commitFailure(err);
    }
  };
  return {
    port: ports.plain,
    tlsPort: ports.tls,
    async reloadTls() {
      if (config.tls !== null) listening.reloadTls(loadServerTls(config.tls.files));
    },
    feedPort: engine.feed?.server.port,
    revision: () => engine.revision(),
    threadStats: async () => [snapshotStats("single", 0, engine.stats, graph)],
    // One thread: if it can run this, it is alive.
    live: async () => true,
    storeStatus: () => engine.status(),
    storeHealth: () => engine.health(),
    metrics: async () => {
      await engine.beforeMetrics?.();
      const feedMetrics = engine.feed === undefined ? [] : [await engine.feed.metrics()];
      return aggregateMetrics([metrics.snapshot(), supervisorMetrics.snapshot(), ...feedMetrics]);
    },
    backup: (file: string) => engine.backup(file),
    async drain(deadlineMs: number): Promise<DrainOutcome> {
      const cutOff = await listening.drain(deadlineMs);
      const storeError = await stopEngine();
      const threads = [snapshotStats("single", 0, engine.stats, graph)];
      return storeError === undefined ? { cutOff, threads } : { cutOff, storeError, threads };
    },
    async close() {
      listening.cutOff();
      await stopEngine();
    },
    onFatal: (listener) => fatal.on(listener),
  };
}
