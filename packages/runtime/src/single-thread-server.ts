import { DependencyGraph } from "@pkgindex/graph";
import { aggregateMetrics, createSupervisorMetrics, createThreadMetrics } from "@pkgindex/metrics";
import { openStore } from "@pkgindex/store";
import { ConnectionServer } from "./connection-server.ts";
import { IndexState } from "./index-state.ts";
import { LocalDispatcher } from "./local-dispatcher.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";

/** --workers 0: sockets, parsing, graph and store on the calling thread. */
export async function startSingleThread(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const store = openStore({ kind: config.store, dataDir: config.dataDir, sync: config.sync });
  const state = new IndexState(new DependencyGraph({ allowCycles: config.allowCycles }), store);
  let loaded;
  try {
    loaded = state.load();
  } catch (err) {
    store.close();
    throw err;
  }
  logger.info({ ...loaded, store: config.store }, "index loaded");
  const dispatcher = new LocalDispatcher(state, (err) => {
    logger.fatal({ code: "PKGI_DB_COMMIT_FAILED" }, `commit failed, batch not acknowledged: ${(err as Error).message}`);
    process.exit(1);
  });
  const server = new ConnectionServer(config, dispatcher, state.stats, logger, new Int32Array(1));
  let port: number;
  try {
    port = await server.listen(config.port, false);
  } catch (err) {
    store.close();
    throw err;
  }
  const metrics = createThreadMetrics({
    role: "single",
    stats: state.stats,
    indexSize: () => ({ packages: state.graph.size, edges: state.graph.edgeCount }),
  });
  const supervisorMetrics = createSupervisorMetrics();
  const finish = () => {
    state.commit();
    store.close();
  };
  return {
    port,
    threadStats: async () => [snapshotStats("single", 0, state.stats, state.graph)],
    // One thread: if it can run this, it is alive.
    live: async () => true,
    metrics: async () => aggregateMetrics([await metrics.snapshot(), await supervisorMetrics.snapshot()]),
    async drain() {
      await server.drain();
      finish();
    },
    async close() {
      server.destroyAll();
      finish();
    },
  };
}
