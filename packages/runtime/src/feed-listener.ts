import { FeedHub, startFeedServer, type FeedServer } from "@pkgindex/feed";
import { createFeedMetrics, type MetricsSnapshot } from "@pkgindex/metrics";
import { listenFailure } from "./listen.ts";
import type { Logger } from "./logger.ts";
import type { FeedInit } from "./feed-init.ts";
import type { ServerConfig } from "./server-config.ts";

/** The feed's side, the same in both layouts: the hub the committed changes go to, and its HTTP listener. */
export interface Feed {
  readonly hub: FeedHub;
  readonly server: FeedServer;
  /** The feed's metrics, for the layout's /metrics. */
  metrics(): Promise<MetricsSnapshot>;
}

/** Starts the feed from `init` on --feed-host:--feed-port. */
export async function startFeed(config: ServerConfig, init: FeedInit, logger: Logger): Promise<Feed> {
  const hub = new FeedHub(config.retention);
  hub.init(init.revision, init.packages, init.history);
  const server = await startFeedServer({
    host: config.feedHost,
    port: config.feedPort,
    source: hub,
    maxBufferBytes: config.feedMaxBuffer,
    stallTimeoutMs: config.feedStallTimeoutMs,
    // --workers 0: the fan-out shares the index's thread, so it may take a tenth of it; the supervisor can give half.
    maxThreadShare: config.workers === 0 ? 0.1 : 0.5,
    logger,
    listenError: (err) => listenFailure(err, config.feedHost, config.feedPort),
  });
  logger.info({ host: config.feedHost, port: server.port, revision: hub.currentRevision, oldest: hub.oldestRetained }, "feed listening");
  const metrics = createFeedMetrics(() => ({ streams: server.streams, cutOff: server.cutOff, oldestRevision: hub.oldestRetained }));
  return { hub, server, metrics: async () => metrics.snapshot() };
}
