// Entry point of the state-owner thread: the engine's home in worker mode,
// the only code that touches the graph and the store. Batches from every I/O
// worker are applied in arrival order; replies go back when the commit that
// covers them resolves. It never exits the process: failures are reported to
// the supervisor, which tells the application.
import type { MessagePort } from "node:worker_threads";
import { parentPort, workerData } from "node:worker_threads";
import { isPkgIndexError } from "@pkgindex/errors";
import { createThreadMetrics, type CommandStats } from "@pkgindex/metrics";
import type { StoreKind } from "@pkgindex/store";
import { commitFailure } from "./commit-failure.ts";
import { postEvent, serveControl } from "./control-channel.ts";
import { IndexEngine } from "./index-engine.ts";
import type { FeedRecorder } from "./feed-recorder.ts";
import { createLogger } from "./logger.ts";
import { ReadViewWriter } from "./read-view.ts";
import type { RemoteEngine } from "./remote-engine.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { StoreHealthReporter } from "./store-health-reporter.ts";
import type { FeedMessage, PkgIndexErrorData, StateOwnerData } from "./thread-messages.ts";

const { config, revision, feedPort } = workerData as StateOwnerData;
// The revision of the last published change, for the supervisor's /readyz and metrics without a hop
// (PostgreSQL: written by the supervisor's feed, which reads the database's changes; 0 without a feed).
const revisionView = new BigInt64Array(revision);
const logger = await createLogger("state-owner", config.logLevel, config.logFormat);
const parent = parentPort!;
const ports = new Set<MessagePort>();
// --reads local: I/O workers answer QUERY from this view of the index.
const view = config.reads === "local" ? new ReadViewWriter() : undefined;
/** How long a metrics scrape waits for PostgreSQL's package count (the supervisor waits 1 s for all threads). */
const METRICS_COUNT_TIMEOUT_MS = 500;

/** What the rest of this thread needs from either engine. */
interface Owner {
  stats: CommandStats;
  graph: { size: number; edgeCount: number };
  /** The store commits (anything but memory): its metric series exist. */
  durable: boolean;
  /** Brings `graph` up to date before a metrics scrape (PostgreSQL: a count). */
  beforeMetrics?: () => Promise<void>;
  /** The store accepts writes (false while SQLite's disk is full; PostgreSQL: always). */
  writable?: () => boolean;
  onBatch(port: MessagePort, batch: Uint8Array): void;
  /** A live copy of the index into `file` (SQLite only). */
  backup(file: string): Promise<void>;
  /** The revision of the last published change (PostgreSQL: as far as the supervisor's feed has read). */
  revision(): number;
  stop(): Promise<void>;
}

function reportFailed(err: unknown): null {
  if (isPkgIndexError(err)) postEvent(parent, "failed", { code: err.code, details: { ...err.details } });
  else postEvent(parent, "failed", { code: "PKGI_STATE_OWNER_CRASHED", details: { reason: String((err as Error)?.message ?? err) } });
  return null;
}

async function startLocal(): Promise<Owner | null> {
  let engine: IndexEngine;
  try {
    // Not postgres here (startRemote), so the store is one IndexEngine opens.
    const opened = IndexEngine.open({ ...config, store: config.store as StoreKind }, view);
    engine = opened.engine;
    logger.debug({ ...opened.loaded }, "state owner ready");
    postEvent(parent, "ready", { ...opened.loaded });
  } catch (err) {
    return reportFailed(err);
  }
  // Logged here, with the state owner's role; the supervisor keeps the state for /readyz.
  const storeHealth = new StoreHealthReporter(engine, logger, (health) => postEvent(parent, "store", { ...health }));
  Atomics.store(revisionView, 0, BigInt(engine.publishedRevision));
  engine.addChangeListener({
    published() {},
    publishedUpTo: (rev) => Atomics.store(revisionView, 0, BigInt(rev)),
  });
  let recorder: FeedRecorder | undefined;
  if (feedPort !== undefined) {
    // Loaded only with --feed-port. Awaited before any port is attached: no batch can arrive before the recorder.
    const [{ feedInit }, { FeedRecorder }] = await Promise.all([import("./feed-init.ts"), import("./feed-recorder.ts")]);
    // Before any batch is applied: the feed starts exactly where the index is.
    feedPort.postMessage({ type: "init", init: feedInit(engine) } satisfies FeedMessage);
    recorder = new FeedRecorder(engine.graph, (batch) => feedPort.postMessage({ type: "batch", batch } satisfies FeedMessage), !engine.durable);
    engine.addChangeListener(recorder);
  }
  // The supervisor prints the one fatal line; this thread only says why.
  engine.onFailure((err) => postEvent(parent, "fatal", { reason: commitFailure(err) }));
  return {
    stats: engine.stats,
    graph: engine.graph,
    durable: engine.durable,
    writable: () => engine.writable,
    backup: (file) => engine.backup(file),
    revision: () => engine.publishedRevision,
    onBatch(port, batch) {
      engine.applyBatchAndReply(batch, (codes) => port.postMessage(codes, [codes.buffer as ArrayBuffer]));
    },
    stop: async () => {
      storeHealth.close();
      await engine.stop();
      recorder?.flush();
    },
  };
}

/** --store postgres: every line goes to the database (RemoteEngine); this thread keeps no index. */
async function startRemote(): Promise<Owner | null> {
  // Loaded only here: node-postgres is the largest code this thread could
  // carry, and a local store never runs it (docs/DECISIONS.md, "Issue 19").
  const { postgresBackupUnavailable, RemoteEngine: Remote } = await import("./remote-engine.ts");
  let engine: RemoteEngine;
  try {
    const opened = await Remote.open(config, logger, (status) => postEvent(parent, "store-status", { ...status }));
    engine = opened.engine;
    postEvent(parent, "ready", { packages: 0, edges: 0, millis: opened.millis });
  } catch (err) {
    return reportFailed(err);
  }
  const graph = engine.graphCounts;
  return {
    stats: engine.stats,
    graph,
    durable: true,
    beforeMetrics: () => engine.refreshIndexSize(METRICS_COUNT_TIMEOUT_MS),
    backup: () => Promise.reject(postgresBackupUnavailable()),
    revision: () => Number(Atomics.load(revisionView, 0)),
    onBatch(port, batch) {
      const first = engine.pendingLines;
      const count = engine.appendLines(batch, batch.length);
      engine.hold((codes) => {
        // Code i over byte i, as the local engine answers (each line has at least two bytes).
        for (let i = 0; i < count; i++) batch[i] = codes[first + i];
        port.postMessage(batch, [batch.buffer as ArrayBuffer]);
      });
    },
    stop: () => engine.stop(),
  };
}

const owner = config.store === "postgres" ? await startRemote() : await startLocal();
if (owner !== null) {
  const graph = owner.graph;
  const metrics = createThreadMetrics({
    role: "state-owner",
    stats: owner.stats,
    indexSize: () => ({ packages: graph.size, edges: graph.edgeCount, revision: owner.revision() }),
    durable: owner.durable,
    storeWritable: owner.writable,
  });

  serveControl(parent, {
    attach(payload: { port: MessagePort }) {
      const port = payload.port;
      ports.add(port);
      view?.addPort(port);
      port.on("message", (batch: Uint8Array) => owner.onBatch(port, batch));
      port.on("close", () => ports.delete(port));
    },
    ping: () => "pong",
    // The code survives the thread hop as data (a thrown error would arrive as its message only).
    async backup(payload: { file: string }): Promise<PkgIndexErrorData | null> {
      try {
        await owner.backup(payload.file);
        return null;
      } catch (err) {
        if (isPkgIndexError(err)) return { code: err.code, details: { ...err.details } };
        throw err;
      }
    },
    async metrics() {
      await owner.beforeMetrics?.();
      return metrics.snapshot();
    },
    stats: () => snapshotStats("state-owner", 0, owner.stats, graph),
    crash() {
      // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
      setImmediate(() => {
        throw new Error("test hook: state owner crashed on purpose");
      });
    },
    async stop(): Promise<{ storeError?: string }> {
      try {
        await owner.stop();
        return {};
      } catch (err) {
        return { storeError: commitFailure(err) };
      } finally {
        for (const port of ports) port.close();
      }
    },
  });
}
