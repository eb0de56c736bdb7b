// Entry point of an I/O worker thread: owns its sockets for life, frames and
// validates, answers malformed lines, forwards valid ones to the state owner.
import net from "node:net";
import { parentPort, threadId, workerData } from "node:worker_threads";
import { CommandStats } from "@pkgindex/metrics";
import { Connection } from "./connection.ts";
import { ForwardingDispatcher } from "./forwarding-dispatcher.ts";
import { listen } from "./listen.ts";
import { createLogger } from "./logger.ts";
import type { FromIoWorker, IoWorkerData, ToIoWorker } from "./thread-messages.ts";

const data = workerData as IoWorkerData;
const { config } = data;
const logger = createLogger("io-worker", config.logLevel, config.logFormat);
const stats = new CommandStats();
const dispatcher = new ForwardingDispatcher(data.statePort);
const connections = new Set<Connection>();
const parent = parentPort!;

function post(message: FromIoWorker): void {
  parent.postMessage(message);
}

const server = net.createServer((socket) => {
  stats.connectionsAccepted++;
  stats.connectionsOpen++;
  const conn = new Connection(socket, config, dispatcher, stats, logger);
  connections.add(conn);
  logger.debug({ client: conn.remoteAddress, open: stats.connectionsOpen }, "connection opened");
  socket.once("close", () => {
    connections.delete(conn);
    logger.debug({ client: conn.remoteAddress, open: stats.connectionsOpen }, "connection closed");
  });
});

parent.on("message", (message: ToIoWorker) => {
  if (message.type === "crash") {
    // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
    setImmediate(() => {
      throw new Error(`test hook: I/O worker ${data.index} crashed on purpose`);
    });
  } else if (message.type === "stats") {
    post({
      type: "stats",
      stats: {
        role: "io-worker",
        index: data.index,
        results: Array.from(stats.results),
        protocolErrors: Array.from(stats.protocolErrors),
        batches: stats.batches,
        batchedCommands: stats.batchedCommands,
        connectionsAccepted: stats.connectionsAccepted,
        connectionsOpen: stats.connectionsOpen,
      },
    });
  } else if (message.type === "stop") {
    server.close();
    for (const conn of connections) {
      conn.flush();
      conn.socket.destroySoon();
    }
    const finish = () => {
      data.statePort.close();
      post({ type: "stopped" });
    };
    if (connections.size === 0) finish();
    else server.once("close", finish);
  }
});

listen(server, config.host, data.port, true).then(
  () => {
    logger.debug({ worker: data.index, threadId, port: data.port }, "I/O worker listening");
    post({ type: "listening" });
  },
  (err: Error) => {
    logger.error({ err: err.message }, "I/O worker could not listen");
    throw err;
  },
);
