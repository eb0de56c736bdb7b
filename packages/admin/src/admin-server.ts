import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { METRICS_CONTENT_TYPE } from "@pkgindex/metrics";
import { withDeadline } from "./deadline.ts";
import { healthBody, type Checks, type Degraded, type Facts } from "./health-text.ts";
import { listenError } from "./listen-error.ts";

/** The part of a pino logger the admin server uses. */
export interface AdminLogger {
  warn(obj: object, msg: string): void;
}

export interface Readiness {
  ready: boolean;
  /** Shown by /readyz?verbose, one line each, e.g. { listening: true, "store-loaded": true, "not-draining": false }. */
  checks: Checks;
  /**
   * Checks that are not passing but do not make the server unready, with
   * why, e.g. { "store-writable": "read-only: …" }: listed in every body.
   */
  degraded?: Degraded;
  /** Why it is not ready, in words (e.g. the database is unreachable), shown on its own line under the checks. */
  reason?: string;
  /** Shown by /readyz?verbose under the checks, e.g. { revision: 42 }. */
  facts?: Facts;
}

export interface AdminServerOptions {
  host: string;
  /** 0: an ephemeral port, returned by startAdminServer. */
  port: number;
  logger?: AdminLogger;
  /** Resolves true when every thread answered a ping. */
  live: () => Promise<boolean>;
  ready: () => Readiness;
  /** The Prometheus text of all threads. */
  metrics: () => Promise<string>;
  /** /livez answers 503 when live() has not resolved true by then. Default 1000 ms. */
  liveTimeoutMs?: number;
  /** POST /backup: makes a backup file, which is sent as the body and then removed. Absent: 404. */
  backup?: () => Promise<BackupOutcome>;
}

/** What a backup request came to: a file to send, or a status and a one-line reason. */
export type BackupOutcome = { ok: true; path: string; remove: () => void } | { ok: false; status: number; message: string };

export interface AdminServer {
  readonly port: number;
  /** Stops listening and closes every admin connection. */
  close(): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";
const DEFAULT_LIVE_TIMEOUT_MS = 1000;

function send(res: http.ServerResponse, status: number, contentType: string, body: string, extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...extra,
  });
  res.end(body);
}

/** Streams the backup file, then removes it, however the response ends. */
function sendBackup(res: http.ServerResponse, outcome: BackupOutcome): Promise<void> {
  if (!outcome.ok) {
    send(res, outcome.status, TEXT, `${outcome.message}\n`);
    return Promise.resolve();
  }
  let size: number;
  try {
    size = statSync(outcome.path).size;
  } catch (err) {
    outcome.remove();
    throw err;
  }
  return new Promise((resolve) => {
    const done = (): void => {
      outcome.remove();
      resolve();
    };
    res.writeHead(200, {
      "content-type": "application/vnd.sqlite3",
      "content-length": size,
      "content-disposition": 'attachment; filename="pkgindex.db"',
      "cache-control": "no-store",
    });
    const file = createReadStream(outcome.path);
    file.once("error", () => res.destroy());
    res.once("close", done);
    file.pipe(res);
  });
}

/**
 * The admin HTTP endpoint (node:http): GET or HEAD /livez, /readyz, /metrics;
 * POST /backup when a backup is offered.
 * Rejects with PkgIndexError PKGI_PORT_IN_USE or PKGI_LISTEN_FAILED when it
 * cannot listen.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { logger } = options;
  const liveTimeoutMs = options.liveTimeoutMs ?? DEFAULT_LIVE_TIMEOUT_MS;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    const route = url.pathname;
    if (route === "/backup" && options.backup !== undefined) {
      // A write, and a costly one: never on a GET that a crawler or a probe might send.
      if (req.method !== "POST") send(res, 405, TEXT, "method not allowed: POST /backup\n", { allow: "POST" });
      else await sendBackup(res, await options.backup());
      return;
    }
    if (route !== "/livez" && route !== "/readyz" && route !== "/metrics") {
      send(res, 404, TEXT, "not found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, TEXT, "method not allowed\n", { allow: "GET, HEAD" });
      return;
    }
    const verbose = url.searchParams.has("verbose");
    if (route === "/livez") {
      const live = await withDeadline(options.live, liveTimeoutMs, false);
      send(res, live ? 200 : 503, TEXT, healthBody("livez", live, { ping: live }, verbose));
    } else if (route === "/readyz") {
      let readiness: Readiness;
      try {
        readiness = options.ready();
      } catch (err) {
        logger?.warn({ err }, "admin: readiness callback failed");
        readiness = { ready: false, checks: { "readiness-callback": false } };
      }
      send(res, readiness.ready ? 200 : 503, TEXT, healthBody("readyz", readiness.ready, readiness.checks, verbose, readiness.degraded, readiness.reason, readiness.facts));
    } else {
      let text: string;
      try {
        text = await options.metrics();
      } catch (err) {
        logger?.warn({ err }, "admin: metrics could not be gathered");
        send(res, 500, TEXT, "metrics unavailable\n");
        return;
      }
      send(res, 200, METRICS_CONTENT_TYPE, text);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.warn({ err }, "admin: request failed");
      if (!res.headersSent) send(res, 500, TEXT, "internal error\n");
      else res.destroy();
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, options.host, options.port));
    server.once("error", onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
  server.on("error", (err) => logger?.warn({ err }, "admin server error"));

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
