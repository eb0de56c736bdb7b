import { Worker } from "node:worker_threads";
import { PkgIndexError, type ErrorCode } from "@pkgindex/errors";
import { aggregateMetrics, createSupervisorMetrics } from "@pkgindex/metrics";
import { IoWorkerPool } from "./io-worker-pool.ts";
import { probePort } from "./listen.ts";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { nextMessage } from "./thread-events.ts";
import { ThreadRequests } from "./thread-requests.ts";
import type { FromStateOwner, ThreadReply, ThreadStatsSnapshot, ToStateOwner } from "./thread-messages.ts";
import { STATE_OWNER_URL } from "./worker-urls.ts";

async function stateOwnerStats(stateOwner: Worker): Promise<ThreadStatsSnapshot> {
  const reply = nextMessage<FromStateOwner>(stateOwner, (m) => m.type === "stats");
  stateOwner.postMessage({ type: "stats" } satisfies ToStateOwner);
  const m = await reply;
  if (m.type !== "stats") throw new Error("unexpected reply");
  return m.stats;
}

/**
 * Worker mode: one state-owner thread and N I/O worker threads, started and
 * watched from the main thread. A crashed I/O worker is replaced (its
 * clients reconnect, everyone else goes on); a crashed state owner ends the
 * process, since nothing else may touch the index.
 */
export async function startSupervised(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const port = await probePort(config.host, config.port);
  let stopping = false;

  const stateOwner = new Worker(STATE_OWNER_URL, { workerData: { config }, name: "state-owner" });
  const ready = await nextMessage<FromStateOwner>(stateOwner, (m) => m.type === "ready" || m.type === "failed").catch(
    (err: Error): FromStateOwner => ({ type: "failed", code: "PKGI_STATE_OWNER_CRASHED", details: { reason: err.message } }),
  );
  if (ready.type === "failed") {
    await stateOwner.terminate();
    throw new PkgIndexError(ready.code as ErrorCode, ready.details);
  }
  if (ready.type === "ready") {
    logger.info({ packages: ready.packages, edges: ready.edges, millis: ready.millis, store: config.store }, "index loaded");
  }
  // One fatal line, with the reason: the 'error' event (an uncaught throw)
  // comes before 'exit', so remember it and report at exit.
  let stateOwnerError = "";
  stateOwner.on("error", (err) => {
    stateOwnerError = err.message;
  });
  stateOwner.on("message", (m: FromStateOwner) => {
    if (m.type === "fatal") stateOwnerError = m.reason;
  });
  stateOwner.on("exit", (code) => {
    if (stopping) return;
    const reason = stateOwnerError === "" ? `exit code ${code}` : `${stateOwnerError} (exit code ${code})`;
    logger.fatal({ code: "PKGI_STATE_OWNER_CRASHED" }, new PkgIndexError("PKGI_STATE_OWNER_CRASHED", { reason }).message);
    process.exit(1);
  });

  const supervisorMetrics = createSupervisorMetrics();
  const requests = new ThreadRequests();
  const pool = new IoWorkerPool(config, port, stateOwner, logger, supervisorMetrics, (message) => {
    logger.fatal(message);
    process.exit(1);
  });
  try {
    await pool.start(config.workers);
  } catch (err) {
    stopping = true;
    await Promise.all([stateOwner.terminate(), ...pool.all().map((w) => w.terminate())]);
    throw new PkgIndexError("PKGI_WORKER_START_FAILED", { reason: (err as Error).message });
  }

  if (config.testHooks) {
    // Test-only triggers for supervision tests (never on without --test-hooks).
    process.on("SIGUSR2", () => pool.crashFirst());
    process.on("SIGHUP", () => stateOwner.postMessage({ type: "crash" } satisfies ToStateOwner));
  }

  // Every I/O worker first answers what it received and closes its
  // connections; only then does the state owner commit and close the store.
  const stopAll = async (how: "drain" | "close"): Promise<void> => {
    stopping = true;
    await pool.stop(how);
    const stopped = nextMessage<FromStateOwner>(stateOwner, (m) => m.type === "stopped").catch(() => undefined);
    stateOwner.postMessage({ type: "stop" } satisfies ToStateOwner);
    await stopped;
    await stateOwner.terminate();
  };

  return {
    port,
    async threadStats(): Promise<ThreadStatsSnapshot[]> {
      return Promise.all([stateOwnerStats(stateOwner), ...(await pool.stats())]);
    },
    async live(timeoutMs: number): Promise<boolean> {
      await Promise.all([requests.ask(stateOwner, "ping", "pong", timeoutMs), pool.ping(requests, timeoutMs)]);
      return true;
    },
    async metrics(timeoutMs: number): Promise<string> {
      const [owner, workers, own] = await Promise.all([
        requests.ask<Extract<ThreadReply, { type: "metrics" }>>(stateOwner, "metrics", "metrics", timeoutMs).then(
          (r) => r.snapshot,
          () => [],
        ),
        pool.metrics(requests, timeoutMs),
        supervisorMetrics.snapshot(),
      ]);
      return aggregateMetrics([owner, ...workers, own]);
    },
    drain: () => stopAll("drain"),
    close: () => stopAll("close"),
  };
}
