import { FeedHub, startFeedServer, type FeedServer, type FeedSource } from "@pkgindex/feed";
import { createFeedMetrics, type MetricsSnapshot } from "@pkgindex/metrics";
import { PostgresFeedSource } from "@pkgindex/store-postgres";
import { listenFailure } from "./listen.ts";
import type { Logger } from "./logger.ts";
import type { FeedInit } from "./feed-init.ts";
import type { ServerConfig } from "./server-config.ts";

/** The feed's side, the same in both layouts and on every store: what it serves from, and its HTTP listener. */
export interface Feed {
  readonly source: FeedSource;
  readonly server: FeedServer;
  /** The feed's metrics, for the layout's /metrics. */
  metrics(): Promise<MetricsSnapshot>;
  /** Ends every stream, then stops what feeds the source (PostgreSQL: its connection). */
  close(): Promise<void>;
}

/** Memory and SQLite: a hub that the engine's committed changes are appended to, from the engine's starting point. */
export function engineFedHub(config: ServerConfig, init: FeedInit): FeedHub {
  const hub = new FeedHub(config.retention);
  hub.init(init.revision, init.packages, init.history);
  return hub;
}

/**
 * PostgreSQL: a source that follows `pkgindex.changes` on a connection of
 * its own (every node's writes, not only this one's). Started after the
 * engine connected, so the schema is already migrated.
 */
export function postgresFeedSource(config: ServerConfig, logger: Logger): Promise<PostgresFeedSource> {
  return PostgresFeedSource.start({
    hub: new FeedHub(config.retention),
    connectionString: config.postgresUrl,
    connectTimeoutMillis: config.storeConnectTimeoutMs,
    retention: config.retention,
    onRetry: (info) => logger.warn({ attempt: info.attempt, delayMillis: info.delayMillis }, `feed: waiting for PostgreSQL: ${info.reason}`),
    onEvent: (event) => {
      const fields = { revision: event.revision, reason: event.reason };
      if (event.kind === "reconnected") logger.info(fields, "feed: reconnected to PostgreSQL, catching up");
      else if (event.kind === "lost") logger.warn(fields, "feed: lost its PostgreSQL connection, reconnecting");
      else if (event.kind === "resynced") logger.warn(fields, "feed: history pruned before it was read; started again from a snapshot (streams behind it are cut off)");
      else logger.warn(fields, "feed: reconnect failed, trying again");
    },
  });
}

/** Serves `source` on --feed-host:--feed-port; `closeSource` runs after the streams ended. */
export async function startFeed(config: ServerConfig, source: FeedSource, logger: Logger, closeSource: () => Promise<void> = async () => {}): Promise<Feed> {
  let server: FeedServer;
  try {
    server = await startFeedServer({
      host: config.feedHost,
      port: config.feedPort,
      source,
      maxBufferBytes: config.feedMaxBuffer,
      stallTimeoutMs: config.feedStallTimeoutMs,
      // --workers 0: the fan-out shares the index's thread, so it may take a tenth of it; the supervisor can give half.
      maxThreadShare: config.workers === 0 ? 0.1 : 0.5,
      logger,
      listenError: (err) => listenFailure(err, config.feedHost, config.feedPort),
    });
  } catch (err) {
    await closeSource();
    throw err;
  }
  logger.info({ host: config.feedHost, port: server.port, revision: source.currentRevision, oldest: source.oldestRetained }, "feed listening");
  const metrics = createFeedMetrics(() => ({ streams: server.streams, cutOff: server.cutOff, oldestRevision: source.oldestRetained }));
  return {
    source,
    server,
    metrics: async () => metrics.snapshot(),
    close: async () => {
      try {
        await server.close();
      } finally {
        await closeSource();
      }
    },
  };
}
