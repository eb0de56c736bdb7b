import { MessageChannel, Worker } from "node:worker_threads";
import { PkgIndexError, type ErrorCode } from "@pkgindex/errors";
import { probePort } from "./listen.ts";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import type { FromIoWorker, FromStateOwner, ThreadStatsSnapshot, ToIoWorker, ToStateOwner } from "./thread-messages.ts";
import { IO_WORKER_URL, STATE_OWNER_URL } from "./worker-urls.ts";

/** A crashed I/O worker is replaced after this pause (bounded restart loop). */
const RESTART_DELAY_MS = 100;

interface IoSlot {
  index: number;
  worker: Worker;
  restarts: number;
}

function once<T>(worker: Worker, predicate: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (!predicate(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`thread exited with code ${code}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      worker.off("error", onError);
    };
    worker.on("message", onMessage);
    worker.on("exit", onExit);
    worker.on("error", onError);
  });
}

async function askStats(worker: Worker): Promise<ThreadStatsSnapshot> {
  const reply = once<{ type: string; stats?: ThreadStatsSnapshot }>(worker, (m) => m.type === "stats");
  worker.postMessage({ type: "stats" });
  return (await reply).stats!;
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
  const ready = await once<FromStateOwner>(stateOwner, (m) => m.type === "ready" || m.type === "failed").catch(
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
  stateOwner.on("exit", (code) => {
    if (stopping) return;
    const reason = stateOwnerError === "" ? `exit code ${code}` : `${stateOwnerError} (exit code ${code})`;
    logger.fatal({ code: "PKGI_STATE_OWNER_CRASHED" }, new PkgIndexError("PKGI_STATE_OWNER_CRASHED", { reason }).message);
    process.exit(1);
  });

  const slots: IoSlot[] = [];

  const spawn = async (index: number, restarts: number): Promise<IoSlot> => {
    const channel = new MessageChannel();
    stateOwner.postMessage({ type: "attach", port: channel.port1, worker: index } satisfies ToStateOwner, [channel.port1]);
    const worker = new Worker(IO_WORKER_URL, {
      workerData: { config, port, index, statePort: channel.port2 },
      transferList: [channel.port2],
      name: `io-worker-${index}`,
    });
    const slot: IoSlot = { index, worker, restarts };
    await once<FromIoWorker>(worker, (m) => m.type === "listening");
    worker.on("error", (err) => logger.error({ worker: index, err: err.message }, "I/O worker crashed"));
    worker.on("exit", (code) => {
      if (stopping) return;
      logger.error({ worker: index, code }, "I/O worker exited; replacing it");
      setTimeout(() => {
        if (stopping) return;
        spawn(index, restarts + 1).then(
          (next) => {
            slots[index - 1] = next;
            logger.warn({ worker: index, restarts: next.restarts }, "I/O worker replaced");
          },
          (err: Error) => {
            logger.fatal({ worker: index, err: err.message }, "I/O worker could not be replaced; exiting");
            process.exit(1);
          },
        );
      }, RESTART_DELAY_MS);
    });
    return slot;
  };

  try {
    // In parallel: each thread spends most of its start-up loading modules.
    const started = await Promise.all(Array.from({ length: config.workers }, (_, i) => spawn(i + 1, 0)));
    slots.push(...started);
  } catch (err) {
    stopping = true;
    await Promise.all([stateOwner.terminate(), ...slots.map((s) => s.worker.terminate())]);
    throw new PkgIndexError("PKGI_WORKER_START_FAILED", { reason: (err as Error).message });
  }

  if (config.testHooks) {
    // Test-only triggers for supervision tests (never on without --test-hooks).
    process.on("SIGUSR2", () => slots[0]?.worker.postMessage({ type: "crash" } satisfies ToIoWorker));
    process.on("SIGHUP", () => stateOwner.postMessage({ type: "crash" } satisfies ToStateOwner));
  }

  return {
    port,
    stats: () => [],
    async threadStats(): Promise<ThreadStatsSnapshot[]> {
      return Promise.all([askStats(stateOwner), ...slots.map((s) => askStats(s.worker))]);
    },
    async close() {
      stopping = true;
      await Promise.all(
        slots.map(async (s) => {
          const stopped = once<FromIoWorker>(s.worker, (m) => m.type === "stopped").catch(() => undefined);
          s.worker.postMessage({ type: "stop" } satisfies ToIoWorker);
          await stopped;
          await s.worker.terminate();
        }),
      );
      const stopped = once<FromStateOwner>(stateOwner, (m) => m.type === "stopped").catch(() => undefined);
      stateOwner.postMessage({ type: "stop" } satisfies ToStateOwner);
      await stopped;
      await stateOwner.terminate();
    },
  };
}
