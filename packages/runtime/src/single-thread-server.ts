import { aggregateMetrics, createSupervisorMetrics, createThreadMetrics } from "@pkgindex/metrics";
import { ConnectionServer } from "./connection-server.ts";
import { FatalSignal } from "./fatal-signal.ts";
import { IndexEngine } from "./index-engine.ts";
import { LocalDispatcher } from "./local-dispatcher.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { commitFailure } from "./commit-failure.ts";
import type { Feed } from "./feed-listener.ts";
import type { FeedRecorder } from "./feed-recorder.ts";
import type { Logger } from "./logger.ts";
import type { DrainOutcome, RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";

/** --workers 0: sockets, parsing, graph and store on the calling thread. */
export async function startSingleThread(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const { engine, loaded } = IndexEngine.open(config);
  logger.info({ ...loaded, store: config.store }, "index loaded");
  const fatal = new FatalSignal();
  let feed: Feed | undefined;
  let recorder: FeedRecorder | undefined;
  if (config.feedPort > 0) {
    // Loaded only with --feed-port: a server without a feed starts as fast as before.
    const [{ feedInit }, { startFeed }, { FeedRecorder }] = await Promise.all([import("./feed-init.ts"), import("./feed-listener.ts"), import("./feed-recorder.ts")]);
    try {
      feed = await startFeed(config, feedInit(engine), logger);
    } catch (err) {
      await engine.stop().catch(() => undefined);
      throw err;
    }
    // Same thread: committed changes go to the hub by a direct call, one batch per commit (per turn with the memory store).
    const hub = feed.hub;
    recorder = new FeedRecorder(engine.graph, (batch) => hub.append(batch), !engine.durable);
    engine.addChangeListener(recorder);
  }
  const server = new ConnectionServer(config, new LocalDispatcher(engine), engine.stats, logger, new Int32Array(1));
  engine.onFailure((err) => {
    // Nothing of the failed batch is acknowledged; no one is served again.
    server.cutOff();
    fatal.fire(commitFailure(err), "PKGI_DB_COMMIT_FAILED");
  });
  let port: number;
  try {
    port = await server.listen(config.port, false);
  } catch (err) {
    await engine.stop().catch(() => undefined);
    await feed?.server.close();
    throw err;
  }
  const metrics = createThreadMetrics({
    role: "single",
    stats: engine.stats,
    indexSize: () => ({ packages: engine.graph.size, edges: engine.graph.edgeCount, revision: engine.publishedRevision }),
  });
  const supervisorMetrics = createSupervisorMetrics();
  const stopEngine = async (): Promise<string | undefined> => {
    try {
      await engine.stop();
      return undefined;
    } catch (err) {
      return commitFailure(err);
    } finally {
      // Everything committed reaches the feed before its streams end.
      recorder?.flush();
      await feed?.server.close();
    }
  };
  return {
    port,
    feedPort: feed?.server.port,
    revision: () => engine.publishedRevision,
    threadStats: async () => [snapshotStats("single", 0, engine.stats, engine.graph)],
    // One thread: if it can run this, it is alive.
    live: async () => true,
    metrics: async () => aggregateMetrics([await metrics.snapshot(), await supervisorMetrics.snapshot(), ...(feed === undefined ? [] : [await feed.metrics()])]),
    async drain(deadlineMs: number): Promise<DrainOutcome> {
      const cutOff = await server.drain(deadlineMs);
      const storeError = await stopEngine();
      const threads = [snapshotStats("single", 0, engine.stats, engine.graph)];
      return storeError === undefined ? { cutOff, threads } : { cutOff, storeError, threads };
    },
    async close() {
      server.cutOff();
      await stopEngine();
    },
    onFatal: (listener) => fatal.on(listener),
  };
}
