import { createLogger, startServer, type RunningServer } from "@pkgindex/runtime";
import { validateServeOptions, type RawServeOptions } from "./options.ts";

export async function serveCommand(raw: RawServeOptions): Promise<void> {
  const config = validateServeOptions(raw);
  const logger = createLogger("supervisor", config.logLevel, config.logFormat);
  // Signals are handled from the start: one that arrives while threads are
  // still starting is acted on as soon as the server is up.
  let server: RunningServer | undefined;
  let pendingSignal: string | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    if (server === undefined) {
      pendingSignal = signal;
      return;
    }
    stopping = true;
    logger.info({ signal, drainDelayMs: config.drainDelayMs, drainTimeoutMs: config.drainTimeoutMs }, "draining");
    const running = server;
    setTimeout(() => {
      logger.error({ drainTimeoutMs: config.drainTimeoutMs }, "drain timed out; exiting");
      process.exit(1);
    }, config.drainTimeoutMs).unref();
    // Readiness is already off (draining); the load balancer gets
    // --drain-delay to stop sending new connections before listeners close.
    setTimeout(async () => {
      // Totals per thread, once, for operators and benchmarks (batch sizes,
      // per-thread CPU): never logged per request.
      const threads = await running.threadStats().catch(() => []);
      logger.info({ threads }, "final counters");
      running.drain().then(
        () => {
          logger.info("drained; exiting");
          process.exit(0);
        },
        (err: Error) => {
          logger.error({ err: err.message }, "error while draining");
          process.exit(1);
        },
      );
    }, config.drainDelayMs);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  server = await startServer(config, logger);
  logger.info(
    { host: config.host, port: server.port, workers: config.workers, store: config.store, node: process.versions.node },
    "listening",
  );
  if (pendingSignal !== undefined) stop(pendingSignal);
}
