// Entry point of the state-owner thread: the only code that touches the graph
// and the store. Batches from every I/O worker are applied in arrival order;
// with a durable store, all batches of one event-loop turn share one commit.
import type { MessagePort } from "node:worker_threads";
import { parentPort, workerData } from "node:worker_threads";
import { isPkgIndexError } from "@pkgindex/errors";
import { DependencyGraph } from "@pkgindex/graph";
import { createThreadMetrics, type ThreadMetrics } from "@pkgindex/metrics";
import { openStore } from "@pkgindex/store";
import { IndexState } from "./index-state.ts";
import { snapshotStats } from "./stats-snapshot.ts";
import { createLogger } from "./logger.ts";
import type { FromStateOwner, StateOwnerData, ToStateOwner } from "./thread-messages.ts";

const { config } = workerData as StateOwnerData;
const logger = createLogger("state-owner", config.logLevel, config.logFormat);
const parent = parentPort!;
const ports = new Set<MessagePort>();

function post(message: FromStateOwner): void {
  parent.postMessage(message);
}

let state: IndexState;
let metrics: ThreadMetrics;
try {
  const store = openStore({ kind: config.store, dataDir: config.dataDir, sync: config.sync });
  state = new IndexState(new DependencyGraph({ allowCycles: config.allowCycles }), store);
  const loaded = state.load();
  const owned = state;
  metrics = createThreadMetrics({
    role: "state-owner",
    stats: state.stats,
    indexSize: () => ({ packages: owned.graph.size, edges: owned.graph.edgeCount }),
  });
  logger.debug({ ...loaded }, "state owner ready");
  post({ type: "ready", ...loaded });
} catch (err) {
  if (isPkgIndexError(err)) post({ type: "failed", code: err.code, details: { ...err.details } });
  else post({ type: "failed", code: "PKGI_STATE_OWNER_CRASHED", details: { reason: String((err as Error)?.message ?? err) } });
  process.exit(1);
}

const durable = config.store !== "memory";
// Replies held until the group commit at the end of this turn.
const heldPorts: MessagePort[] = [];
const heldCodes: Uint8Array[] = [];
let commitScheduled = false;

function commitAndReply(): void {
  commitScheduled = false;
  try {
    state.commit();
  } catch (err) {
    // The supervisor prints the one fatal line; this thread only says why.
    const reason = (err as Error)?.message ?? String(err);
    post({ type: "fatal", reason: `commit failed, batch not acknowledged: ${reason}` });
    process.exit(1);
  }
  for (let i = 0; i < heldPorts.length; i++) {
    heldPorts[i].postMessage(heldCodes[i], [heldCodes[i].buffer as ArrayBuffer]);
  }
  heldPorts.length = 0;
  heldCodes.length = 0;
}

function onBatch(port: MessagePort, batch: Uint8Array): void {
  const buf = Buffer.from(batch.buffer, batch.byteOffset, batch.length);
  state.applyBatch(buf);
  if (!durable) {
    port.postMessage(batch, [batch.buffer as ArrayBuffer]);
    return;
  }
  heldPorts.push(port);
  heldCodes.push(batch);
  if (!commitScheduled) {
    commitScheduled = true;
    setImmediate(commitAndReply);
  }
}

parent.on("message", (message: ToStateOwner) => {
  if (message.type === "attach") {
    const port = message.port;
    ports.add(port);
    port.on("message", (batch: Uint8Array) => onBatch(port, batch));
    port.on("close", () => ports.delete(port));
  } else if (message.type === "ping") {
    post({ type: "pong", id: message.id });
  } else if (message.type === "metrics") {
    metrics.snapshot().then((snapshot) => post({ type: "metrics", id: message.id, snapshot }));
  } else if (message.type === "crash") {
    // Test-only trigger (--test-hooks): an uncaught error, as a bug would be.
    setImmediate(() => {
      throw new Error("test hook: state owner crashed on purpose");
    });
  } else if (message.type === "stats") {
    post({ type: "stats", stats: snapshotStats("state-owner", 0, state.stats, state.graph) });
  } else if (message.type === "stop") {
    if (commitScheduled) commitAndReply();
    state.commit();
    state.store.close();
    for (const port of ports) port.close();
    post({ type: "stopped" });
  }
});
