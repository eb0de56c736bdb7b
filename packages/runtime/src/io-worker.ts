// Entry point of an I/O worker thread: owns its sockets for life, frames and
// validates, answers malformed lines, forwards valid ones to the state owner.
import { parentPort, threadId, workerData } from "node:worker_threads";
import { CommandStats, createThreadMetrics, type ThreadMetrics } from "@pkgindex/metrics";
import type { ServerTlsMaterial } from "@pkgindex/tls";
import { connectionObjects } from "./connection-census.ts";
import { ConnectionServer } from "./connection-server.ts";
import { postEvent, serveControl } from "./control-channel.ts";
import { ForwardingDispatcher } from "./forwarding-dispatcher.ts";
import { createLogger } from "./logger.ts";
import { ReadViewReader } from "./read-view.ts";
import { activeRejectReasons } from "./reject-reasons.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import type { ListenPorts } from "./server-config.ts";
import type { IoWorkerData } from "./thread-messages.ts";

const data = workerData as IoWorkerData;
const { config } = data;
const stats = new CommandStats();
const dispatcher = new ForwardingDispatcher(data.statePort, config.reads === "local" ? new ReadViewReader() : null, stats);
const parent = parentPort!;
// Set by the supervisor's "listen": until then this thread is the warm spare.
let index = 0;
let logger = await createLogger("io-worker", config.logLevel, config.logFormat);
let server: ConnectionServer | null = null;
let metrics: ThreadMetrics | null = null;
let tls = data.tls;

serveControl(parent, {
  /** Binds payload.ports (0: any free port, for the first worker) with SO_REUSEPORT; returns the ports. */
  async listen(payload: { index: number; ports: ListenPorts }) {
    index = payload.index;
    logger = logger.child({ worker: index });
    const connections = new ConnectionServer(config, dispatcher, stats, logger, new Int32Array(data.openCount), tls);
    server = connections;
    metrics = createThreadMetrics({
      role: "io-worker",
      stats,
      worker: index,
      rejectReasons: activeRejectReasons(config),
      tracked: () => connections.connections.size,
      liveObjects: config.testHooks ? connectionObjects : undefined,
    });
    const ports = await server.listen(payload.ports, true);
    logger.debug({ threadId, ports }, "I/O worker listening");
    return ports;
  },
  /** New TLS material (SIGHUP), already checked by the supervisor: this thread's own context from it. */
  tls(material: ServerTlsMaterial) {
    tls = material;
    server?.reloadTls(material);
    return true;
  },
  ping: () => "pong",
  // The warm spare has no series yet.
  metrics: () => (metrics === null ? [] : metrics.snapshot()),
  stats: () => snapshotStats("io-worker", index, stats),
  crash() {
    // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
    setImmediate(() => {
      throw new Error(`test hook: I/O worker ${index} crashed on purpose`);
    });
  },
  /** Resolves with how many connections were cut off with replies owed. */
  drain: (payload: { deadlineMs: number }) => (server === null ? 0 : server.drain(payload.deadlineMs)),
  close: () => (server === null ? 0 : server.cutOff()),
});

postEvent(parent, "loaded");
