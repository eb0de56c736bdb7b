// Entry point of the state-owner thread: the engine's home in worker mode,
// the only code that touches the graph and the store. Batches from every I/O
// worker are applied in arrival order; replies go back when the commit that
// covers them resolves. It never exits the process: failures are reported to
// the supervisor, which tells the application.
import type { MessagePort } from "node:worker_threads";
import { parentPort, workerData } from "node:worker_threads";
import { isPkgIndexError } from "@pkgindex/errors";
import { createThreadMetrics } from "@pkgindex/metrics";
import { commitFailure } from "./commit-failure.ts";
import { postEvent, serveControl } from "./control-channel.ts";
import { IndexEngine } from "./index-engine.ts";
import { createLogger } from "./logger.ts";
import { ReadViewWriter } from "./read-view.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { StoreHealthReporter } from "./store-health-reporter.ts";
import type { PkgIndexErrorData, StateOwnerData } from "./thread-messages.ts";

const { config } = workerData as StateOwnerData;
const logger = createLogger("state-owner", config.logLevel, config.logFormat);
const parent = parentPort!;
const ports = new Set<MessagePort>();
// --reads local: I/O workers answer QUERY from this view of the index.
const view = config.reads === "local" ? new ReadViewWriter() : undefined;

function start(): IndexEngine | null {
  try {
    const { engine, loaded } = IndexEngine.open(config, view);
    logger.debug({ ...loaded }, "state owner ready");
    postEvent(parent, "ready", { ...loaded });
    return engine;
  } catch (err) {
    if (isPkgIndexError(err)) postEvent(parent, "failed", { code: err.code, details: { ...err.details } });
    else postEvent(parent, "failed", { code: "PKGI_STATE_OWNER_CRASHED", details: { reason: String((err as Error)?.message ?? err) } });
    return null;
  }
}

const engine = start();
if (engine !== null) {
  const metrics = createThreadMetrics({
    role: "state-owner",
    stats: engine.stats,
    indexSize: () => ({ packages: engine.graph.size, edges: engine.graph.edgeCount }),
    storeWritable: () => engine.writable,
  });
  // Logged here, with the state owner's role; the supervisor keeps the state for /readyz.
  const storeHealth = new StoreHealthReporter(engine, logger, (health) => postEvent(parent, "store", { ...health }));
  // The supervisor prints the one fatal line; this thread only says why.
  engine.onFailure((err) => postEvent(parent, "fatal", { reason: commitFailure(err) }));

  const onBatch = (port: MessagePort, batch: Uint8Array): void => {
    engine.applyBatchAndReply(batch, (codes) => port.postMessage(codes, [codes.buffer as ArrayBuffer]));
  };

  serveControl(parent, {
    attach(payload: { port: MessagePort }) {
      const port = payload.port;
      ports.add(port);
      view?.addPort(port);
      port.on("message", (batch: Uint8Array) => onBatch(port, batch));
      port.on("close", () => ports.delete(port));
    },
    ping: () => "pong",
    // The code survives the thread hop as data (a thrown error would arrive as its message only).
    async backup(payload: { file: string }): Promise<PkgIndexErrorData | null> {
      try {
        await engine.backup(payload.file);
        return null;
      } catch (err) {
        if (isPkgIndexError(err)) return { code: err.code, details: { ...err.details } };
        throw err;
      }
    },
    metrics: () => metrics.snapshot(),
    stats: () => snapshotStats("state-owner", 0, engine.stats, engine.graph),
    crash() {
      // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
      setImmediate(() => {
        throw new Error("test hook: state owner crashed on purpose");
      });
    },
    async stop(): Promise<{ storeError?: string }> {
      storeHealth.close();
      try {
        await engine.stop();
        return {};
      } catch (err) {
        return { storeError: commitFailure(err) };
      } finally {
        for (const port of ports) port.close();
      }
    },
  });
}
