import { startAdminServer, type AdminServer, type Readiness } from "@pkgindex/admin";
import { createLogger, startServer, type RunningServer, type StoreStatus } from "@pkgindex/runtime";
import { backupEndpoint } from "./backup-endpoint.ts";
import { buildInfo } from "./build-info.ts";
import { validateServeOptions, type RawServeOptions } from "./options.ts";

/** How long /livez and /metrics wait for every thread to answer. */
const THREAD_DEADLINE_MS = 1000;
/** Past --drain-timeout, how long the runtime's own cut-off may take before the process gives up on it. */
const DRAIN_BACKSTOP_MS = 5000;

export async function serveCommand(raw: RawServeOptions): Promise<void> {
  const config = validateServeOptions(raw);
  const logger = await createLogger("supervisor", config.logLevel, config.logFormat);
  let server: RunningServer | undefined;
  let draining = false;
  let pendingSignal: string | undefined;
  // Until the server exists: what the store said while connecting (PostgreSQL).
  let startingStatus: StoreStatus = { ready: true, reason: "" };

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
      ready: (): Readiness => {
        // An unreachable database (--store postgres) makes the node unready:
        // it cannot answer anything. A full store leaves the server ready:
        // reads are served, and taking it out of the balancer would stop
        // them too.
        const status = server === undefined ? startingStatus : server.storeStatus();
        const health = server?.storeHealth();
        return {
          ready: server !== undefined && !draining && status.ready,
          checks: { listening: server !== undefined, "store-loaded": server !== undefined, "store-reachable": status.ready, "not-draining": !draining },
          degraded: health === undefined || health.writable ? {} : { "store-writable": `read-only, INDEX and REMOVE answered ERROR: ${health.reason}` },
          reason: status.reason,
          facts: server === undefined ? undefined : { revision: server.revision() },
        };
      },
      metrics: () => (server === undefined ? Promise.resolve("") : server.metrics(THREAD_DEADLINE_MS)),
      backup: backupEndpoint(() => server, config.dataDir, logger),
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
    // The load balancer gets --drain-delay to see the 503 and stop sending
    // new connections before the listeners close. The drain itself is
    // bounded by what remains of --drain-timeout; the runtime cuts off what
    // is left then and says how many connections were still owed replies.
    const deadline = Date.now() + config.drainTimeoutMs;
    // Backstop: a drain the runtime could not bring to an end (a thread
    // stuck past every deadline) still ends the process, with exit 1.
    setTimeout(() => {
      logger.error({ drainTimeoutMs: config.drainTimeoutMs }, "drain did not finish; exiting 1");
      process.exit(1);
    }, config.drainTimeoutMs + DRAIN_BACKSTOP_MS).unref();
    setTimeout(async () => {
      const outcome = await running.drain(Math.max(0, deadline - Date.now())).catch((err: Error) => ({
        cutOff: 0,
        storeError: err.message,
        threads: [],
      }));
      // Totals per thread, once, after the last command was applied, for
      // operators and benchmarks (batch sizes, per-thread CPU): never logged
      // per request.
      logger.info({ threads: outcome.threads }, "final counters");
      await admin?.close();
      if (outcome.storeError !== undefined) {
        logger.fatal({ code: "PKGI_DB_COMMIT_FAILED" }, outcome.storeError);
        process.exit(1);
      }
      if (outcome.cutOff > 0) {
        logger.error(
          { drainTimeoutMs: config.drainTimeoutMs, connectionsCutOff: outcome.cutOff },
          "drain timed out: connections still owed replies were cut off; exiting 1",
        );
        process.exit(1);
      }
      logger.info("drained; exiting");
      process.exit(0);
    }, Math.min(config.drainDelayMs, config.drainTimeoutMs));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // SIGHUP reloads the TLS certificate, key and CA (as nginx and HAProxy
  // do); a bad new file keeps the old ones. Without TLS it does nothing.
  process.on("SIGHUP", () => {
    if (server === undefined || config.tls === null) {
      logger.info("SIGHUP: nothing to reload (no TLS listener)");
      return;
    }
    server.reloadTls().then(
      () => logger.info({ cert: config.tls?.files.certFile }, "TLS certificate, key and CA reloaded"),
      (err: Error & { code?: string }) => logger.error({ code: err.code }, `TLS reload failed, the old certificate stays in use: ${err.message}`),
    );
  });

  try {
    server = await startServer(
      config,
      logger,
      (status) => {
        startingStatus = status;
      },
      buildInfo(),
    );
  } catch (err) {
    await admin?.close();
    throw err;
  }
  // The runtime reports; the application decides: one fatal line, exit 1.
  server.onFatal((message, code) => {
    logger.fatal({ code }, message);
    process.exit(1);
  });
  logger.info(
    {
      host: config.host,
      port: server.port,
      tlsPort: server.tlsPort ?? undefined,
      clientAuth: config.tls?.clientAuth,
      workers: config.workers,
      store: config.store,
      // In effect, not as asked: postgres forces owner (docs/DECISIONS.md, issue 13).
      ...(config.workers > 0 ? { reads: config.reads } : {}),
      revision: server.revision(),
      ...(server.feedPort === undefined ? {} : { feedPort: server.feedPort }),
      node: process.versions.node,
    },
    "listening",
  );
  if (pendingSignal !== undefined) stop(pendingSignal);
}
