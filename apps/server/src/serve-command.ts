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
    logger.info({ signal }, "stopping");
    server.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err: err.message }, "error while stopping");
        process.exit(1);
      },
    );
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
