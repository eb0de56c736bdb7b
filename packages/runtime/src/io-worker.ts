// Entry point of an I/O worker thread: owns its sockets for life, frames and
// validates, answers malformed lines, forwards valid ones to the state owner.
import { parentPort, threadId, workerData } from "node:worker_threads";
import { CommandStats, createThreadMetrics, type ThreadMetrics } from "@pkgindex/metrics";
import { ConnectionServer } from "./connection-server.ts";
import { ForwardingDispatcher } from "./forwarding-dispatcher.ts";
import { createLogger } from "./logger.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import type { FromIoWorker, IoWorkerData, ToIoWorker } from "./thread-messages.ts";

const data = workerData as IoWorkerData;
const { config } = data;
const stats = new CommandStats();
const dispatcher = new ForwardingDispatcher(data.statePort);
const parent = parentPort!;
// Set by the supervisor's "listen": until then this thread is the warm spare.
let index = 0;
let logger = createLogger("io-worker", config.logLevel, config.logFormat);
let server: ConnectionServer | null = null;
let metrics: ThreadMetrics | null = null;

function post(message: FromIoWorker): void {
  parent.postMessage(message);
}

parent.on("message", (message: ToIoWorker) => {
  if (message.type === "listen") {
    index = message.index;
    logger = logger.child({ worker: index });
    metrics = createThreadMetrics({ role: "io-worker", stats, worker: index });
    server = new ConnectionServer(config, dispatcher, stats, logger, new Int32Array(data.openCount));
    server.listen(data.port, true).then(
      () => {
        logger.debug({ threadId, port: data.port }, "I/O worker listening");
        post({ type: "listening" });
      },
      (err: Error) => {
        logger.error({ err: err.message }, "I/O worker could not listen");
        throw err;
      },
    );
  } else if (message.type === "ping") {
    post({ type: "pong", id: message.id });
  } else if (message.type === "metrics") {
    // The warm spare has no series yet.
    const snapshot = metrics === null ? Promise.resolve([]) : metrics.snapshot();
    snapshot.then((s) => post({ type: "metrics", id: message.id, snapshot: s }));
  } else if (message.type === "crash") {
    // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
    setImmediate(() => {
      throw new Error(`test hook: I/O worker ${index} crashed on purpose`);
    });
  } else if (message.type === "stats") {
    post({ type: "stats", stats: snapshotStats("io-worker", index, stats) });
  } else if (message.type === "drain") {
    if (server === null) post({ type: "drained" });
    else server.drain().then(() => post({ type: "drained" }));
  } else if (message.type === "close") {
    server?.destroyAll();
    post({ type: "drained" });
  }
});

post({ type: "loaded" });

