import { startAdminServer, type AdminServer } from "@pkgindex/admin";
import { createLogger, startServer, type RunningServer } from "@pkgindex/runtime";
import { validateServeOptions, type RawServeOptions } from "./options.ts";

/** How long /livez and /metrics wait for every thread to answer. */
const THREAD_DEADLINE_MS = 1000;

export async function serveCommand(raw: RawServeOptions): Promise<void> {
  const config = validateServeOptions(raw);
  const logger = createLogger("supervisor", config.logLevel, config.logFormat);
  let server: RunningServer | undefined;
  let draining = false;
  let pendingSignal: string | undefined;

  // The admin server comes first, so /readyz says 503 while the index loads.
  let admin: AdminServer | undefined;
  if (config.adminPort > 0) {
    admin = await startAdminServer({
      host: config.adminHost,
      port: config.adminPort,
      logger,
      liveTimeoutMs: THREAD_DEADLINE_MS,
      // Starting up counts as alive: a load of a large index must not get the
      // process restarted by a liveness probe.
      live: () => (server === undefined ? Promise.resolve(true) : server.live(THREAD_DEADLINE_MS)),
      ready: () => ({
        ready: server !== undefined && !draining,
        checks: { listening: server !== undefined, "store-loaded": server !== undefined, "not-draining": !draining },
      }),
      metrics: () => (server === undefined ? Promise.resolve("") : server.metrics(THREAD_DEADLINE_MS)),
    });
    logger.info({ host: config.adminHost, port: admin.port }, "admin listening");
  }

  // Signals are handled from the start: one that arrives while threads are
  // still starting is acted on as soon as the server is up.
  const stop = (signal: string) => {
    if (draining) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    if (server === undefined) {
      pendingSignal = signal;
      return;
    }
    draining = true; // /readyz turns 503 now
    logger.info({ signal, drainDelayMs: config.drainDelayMs, drainTimeoutMs: config.drainTimeoutMs }, "draining");
    const running = server;
    setTimeout(() => {
      logger.error({ drainTimeoutMs: config.drainTimeoutMs }, "drain timed out; exiting");
      process.exit(1);
    }, config.drainTimeoutMs).unref();
    // The load balancer gets --drain-delay to see the 503 and stop sending
    // new connections before the listeners close.
    setTimeout(async () => {
      // Totals per thread, once, for operators and benchmarks (batch sizes,
      // per-thread CPU): never logged per request.
      const threads = await running.threadStats().catch(() => []);
      logger.info({ threads }, "final counters");
      try {
        await running.drain();
        await admin?.close();
        logger.info("drained; exiting");
        process.exit(0);
      } catch (err) {
        logger.error({ err: (err as Error).message }, "error while draining");
        process.exit(1);
      }
    }, config.drainDelayMs);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  try {
    server = await startServer(config, logger);
  } catch (err) {
    await admin?.close();
    throw err;
  }
  logger.info(
    { host: config.host, port: server.port, workers: config.workers, store: config.store, node: process.versions.node },
    "listening",
  );
  if (pendingSignal !== undefined) stop(pendingSignal);
}
