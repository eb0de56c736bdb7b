import { loadServerTls, type ServerTlsMaterial } from "@pkgindex/tls";
import { aggregateMetrics, createSupervisorMetrics, createThreadMetrics } from "@pkgindex/metrics";
import { ConnectionServer } from "./connection-server.ts";
import { FatalSignal } from "./fatal-signal.ts";
import { IndexEngine } from "./index-engine.ts";
import { LocalDispatcher } from "./local-dispatcher.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { StoreHealthReporter } from "./store-health-reporter.ts";
import { commitFailure } from "./commit-failure.ts";
import type { Logger } from "./logger.ts";
import type { DrainOutcome, RunningServer } from "./running-server.ts";
import type { ListenPorts, ServerConfig } from "./server-config.ts";

/** --workers 0: sockets, parsing, graph and store on the calling thread. */
export async function startSingleThread(config: ServerConfig, logger: Logger, tls: ServerTlsMaterial | null): Promise<RunningServer> {
  const { engine, loaded } = IndexEngine.open(config);
  logger.info({ ...loaded, store: config.store }, "index loaded");
  const fatal = new FatalSignal();
  const server = new ConnectionServer(config, new LocalDispatcher(engine), engine.stats, logger, new Int32Array(1), tls);
  const storeHealth = new StoreHealthReporter(engine, logger);
  engine.onFailure((err) => {
    // Nothing of the failed batch is acknowledged; no one is served again.
    server.cutOff();
    fatal.fire(commitFailure(err), "PKGI_DB_COMMIT_FAILED");
  });
  let ports: ListenPorts;
  try {
    ports = await server.listen({ plain: config.port, tls: config.tlsPort }, false);
  } catch (err) {
    await engine.stop().catch(() => undefined);
    throw err;
  }
  const metrics = createThreadMetrics({
    role: "single",
    stats: engine.stats,
    indexSize: () => ({ packages: engine.graph.size, edges: engine.graph.edgeCount }),
    storeWritable: () => engine.writable,
  });
  const supervisorMetrics = createSupervisorMetrics();
  const stopEngine = async (): Promise<string | undefined> => {
    storeHealth.close();
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
      if (config.tls !== null) server.reloadTls(loadServerTls(config.tls.files));
    },
    threadStats: async () => [snapshotStats("single", 0, engine.stats, engine.graph)],
    // One thread: if it can run this, it is alive.
    live: async () => true,
    storeHealth: () => ({ writable: engine.writable, reason: engine.notWritableReason }),
    metrics: async () => aggregateMetrics([await metrics.snapshot(), await supervisorMetrics.snapshot()]),
    backup: (file: string) => engine.backup(file),
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
